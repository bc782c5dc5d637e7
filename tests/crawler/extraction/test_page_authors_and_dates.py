"""Where a page's authors and dates come from: declarations first, markup heuristics last."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml.html import fromstring

from crawler.extraction.bylines import page_authors
from crawler.extraction.dates import page_dates

PERSON = {"@type": "Person", "name": "Jane Doe"}
NEWSROOM = {"@type": "Organization", "name": "Example Newsroom"}


def no_byline() -> str | None:
    raise AssertionError("the markup byline is searched only when nothing is declared")


def test_jsonld_people_come_before_meta_tags_and_the_site_name_is_dropped() -> None:
    entity = {"author": [PERSON, {"name": "Daily Planet"}, NEWSROOM]}
    meta = {"author": ["Someone Else"]}
    assert page_authors(entity, meta, no_byline, "Daily Planet") == ("Jane Doe",)


def test_meta_author_tags_are_split_into_names_once_each() -> None:
    meta = {"author": ["By Jane Doe and John Roe"], "article:author": ["jane doe"]}
    assert page_authors({}, meta, no_byline, None) == ("Jane Doe", "John Roe")


def test_markup_byline_then_organisations_when_nothing_is_declared() -> None:
    assert page_authors({}, {}, lambda: "Jane Doe; John Roe", None) == ("Jane Doe", "John Roe")
    assert page_authors({"author": NEWSROOM}, {}, lambda: None, None) == ("Example Newsroom",)


def test_declared_dates_take_the_first_plausible_one_without_htmldate() -> None:
    tree = fromstring("<html><body><p>2001-01-01</p></body></html>")
    dates = page_dates(
        tree,
        None,
        {"datePublished": "not a date", "dateModified": "2024-05-02T10:00:00Z"},
        {"article:published_time": ["2024-05-01T08:00:00+02:00"]},
        [],
    )
    assert dates.published_at == datetime(2024, 5, 1, 6, tzinfo=UTC)
    assert dates.modified_at == datetime(2024, 5, 2, 10, tzinfo=UTC)
    assert dates.sources == {}


def test_undeclared_publication_date_is_htmldate_s_guess() -> None:
    html = "<html><head><title>x</title></head><body><p>Published 2023-03-04.</p></body></html>"
    dates = page_dates(fromstring(html), "https://example.com/a", {}, {}, ["2099-01-01"])
    assert dates.published_at is not None
    assert dates.published_at.date().isoformat() == "2023-03-04"
    assert dates.sources["published_at"] == "htmldate"
