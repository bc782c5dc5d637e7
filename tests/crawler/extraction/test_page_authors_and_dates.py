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


def test_jsonld_people_and_organisations_are_all_kept_in_order() -> None:
    entity = {"author": [PERSON, {"name": "Daily Planet"}, NEWSROOM]}
    meta = {"author": ["Someone Else"]}
    assert page_authors(entity, meta, no_byline, ["Daily Planet"]) == (
        "Jane Doe",
        "Daily Planet",
        "Example Newsroom",
    )


def test_meta_author_tags_are_split_into_names_once_each() -> None:
    meta = {"author": ["By Jane Doe and John Roe"], "article:author": ["jane doe"]}
    assert page_authors({}, meta, no_byline, []) == ("Jane Doe", "John Roe")


def test_only_the_first_author_meta_tag_naming_someone_is_read() -> None:
    meta = {"author": ["Jane Doe", "(Image: Getty Images)"], "parsely-author": ["jane-doe"]}
    assert page_authors({}, meta, no_byline, []) == ("Jane Doe",)


def test_markup_byline_when_nothing_is_declared() -> None:
    assert page_authors({}, {}, lambda: "Jane Doe; John Roe", []) == ("Jane Doe", "John Roe")
    assert page_authors({"author": NEWSROOM}, {}, lambda: None, []) == ("Example Newsroom",)


def test_publisher_filling_the_author_field_gives_way_to_a_shown_byline() -> None:
    entity = {"author": {"@type": "Organization", "name": "DAILY PLANET"}}
    shown = page_authors(entity, {}, lambda: "Jane Doe; Daily Planet", ["Daily Planet"])
    assert shown == ("Jane Doe",)
    # No byline on the page: the publisher's name is the newsroom byline and stays.
    assert page_authors(entity, {}, lambda: None, ["Daily Planet"]) == ("DAILY PLANET",)
    # A domain-style author is the same publisher.
    assert page_authors({}, {"author": ["planet.com"]}, lambda: "Jane Doe", ["Planet"]) == (
        "Jane Doe",
    )


def test_an_agency_next_to_people_is_one_more_entry() -> None:
    entity = {"author": {"@type": "Person", "name": "Felix Schmidt und Jana Roth, dpa"}}
    assert page_authors(entity, {}, no_byline, ["Example Zeitung"]) == (
        "Felix Schmidt",
        "Jana Roth",
        "dpa",
    )


def test_given_and_family_names_make_the_name() -> None:
    entity = {"author": [{"@type": "Person", "givenName": "Anna Maria", "familyName": "Fink"}]}
    assert page_authors(entity, {}, no_byline, []) == ("Anna Maria Fink",)


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
