"""Re-extraction with the new byline rules: a reformatted byline alone makes no version."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from crawler.extraction import extract_article
from crawler.importing import reextract
from storage import Archive, FetchedPage, get_version, history, record_capture
from storage.versioning import same_byline

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
URL = "https://news.example/2026/11/council.html"
PARAGRAPHS = "".join(
    f"<p>The council met on Tuesday evening to debate item {n} of the budget, which "
    f"would change how the town pays for its libraries and its buses.</p>"
    for n in range(6)
)


def page(byline: str) -> bytes:
    ld = {"@type": "NewsArticle", "headline": "Council debates budget", "author": byline}
    return (
        "<html><head><title>Council debates budget</title>"
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>'
        f"<body><article><h1>Council debates budget</h1>{PARAGRAPHS}</article></body></html>"
    ).encode()


def archive_with_old_authors(archive: Archive, body: bytes, old_authors: tuple[str, ...]) -> None:
    """A capture as the old extractor recorded it: today's text and title, its author strings."""
    content = dataclasses.replace(
        extract_article(body, URL), authors=old_authors, extractor_version="old/1"
    )
    fetched = FetchedPage(URL, URL, T0, 200, {"content-type": "text/html; charset=utf-8"}, body)
    archive.run_write(lambda s: record_capture(s, fetched, content))


@pytest.mark.parametrize(
    ("byline", "old_authors"),
    [
        ("Corina Gall (cog.)", ("Corina Gall (cog.)",)),  # the old rules kept the initials
        ("By JANE DOE and John Roe", ("By JANE DOE and John Roe",)),  # one unsplit entry
        ("Jane Doe, John Roe", ("John Roe", "jane  doe")),  # order, case and spacing
    ],
)
def test_a_reformatted_byline_is_not_a_new_version(
    archive: Archive, byline: str, old_authors: tuple[str, ...]
) -> None:
    body = page(byline)
    assert extract_article(body, URL).authors != old_authors  # the new rules do differ
    archive_with_old_authors(archive, body, old_authors)
    assert reextract(archive) == {"unchanged": 1}
    with archive.read() as s:
        assert [v.version for v in history(s, URL)] == [1]
        assert tuple(get_version(s, URL).authors) == old_authors


def test_a_different_byline_is_still_a_new_version(archive: Archive) -> None:
    body = page("Jane Doe, dpa")
    archive_with_old_authors(archive, body, ("Jane Doe",))  # the old rules dropped the agency
    assert reextract(archive) == {"reextracted": 1}
    with archive.read() as s:
        assert [v.origin for v in history(s, URL)] == ["capture", "reextract"]
        assert tuple(get_version(s, URL).authors) == ("Jane Doe", "dpa")


@pytest.mark.parametrize(
    ("before", "after", "same"),
    [
        (("By Jane Doe (jd)",), ("Jane Doe",), True),
        (("Jane Doe and John Roe",), ("John Roe", "Jane Doe"), True),
        (("Jane Doe",), ("Jane Doe", "John Roe"), False),
        (("Jane Doe", "John Roe"), ("Jane Doe",), False),
        ((), ("dpa",), False),
        ((), (), True),
    ],
)
def test_same_byline(before: tuple[str, ...], after: tuple[str, ...], same: bool) -> None:
    assert same_byline(before, after) is same
