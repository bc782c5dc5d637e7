"""After an extractor upgrade, unchanged pages make no versions and a real edit still makes one.

The archive is made by an "old" extractor (an older version string, and a reading that differs
from the current extractor's on the same page); the current extractor then revisits the pages
through the real write path. Real HTML, real extraction, a real SQLite archive.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial

from click.testing import Result

from crawler.extraction import EXTRACTOR_VERSION, ExtractionError, extract_article
from crawler.importing import reextract
from storage import (
    Archive,
    ArticleContent,
    CaptureResult,
    FetchedPage,
    get_version,
    history,
    record_capture,
)

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
OLD_VERSION = "newsarchive-extract/1 trafilatura/2.3.1"
TOPICS = ("harbour", "railway", "library", "hospital", "stadium")


def _page(topic: str, edited: bool = False) -> bytes:
    paragraphs = [
        f"The city council voted on Tuesday to rebuild the {topic}, ending a dispute that had "
        "divided residents for more than two years and delayed work on the surrounding roads.",
        f"Engineers said the {topic} would close for eighteen months while contractors replace "
        "the foundations, with temporary arrangements in place for the people who rely on it.",
        "Opposition members said the cost had doubled since the plan was first proposed, and "
        "asked for an independent review of the contracts before any money is spent.",
        "The mayor said the review would add months to a project the city could not delay, "
        "and promised to publish every contract on the council's website within a week.",
    ]
    if edited:
        paragraphs[1] = paragraphs[1].replace("eighteen months", "two full years")
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (
        f"<html><head><title>Council to rebuild the {topic}</title></head><body>"
        f"<article><h1>Council to rebuild the {topic}</h1>{body}</article>"
        "<aside><h3>Most read</h3><ul><li><a href='/a'>Storm closes schools</a></li>"
        "</ul></aside></body></html>"
    ).encode()


def _fetched(topic: str, at: datetime, body: bytes) -> FetchedPage:
    url = f"https://news.example/city/{topic}.html"
    headers = {"content-type": "text/html; charset=utf-8"}
    return FetchedPage(url, url, at, 200, headers, body)


def _old_extractor(body: bytes, url: str | None, content_type: str | None) -> ArticleContent:
    """What the previous extractor made of a page: the same text plus a furniture line."""
    content = extract_article(body, url, content_type)
    return replace(
        content,
        text=content.text + "\nShare this story with a friend by e-mail today",
        extractor_version=OLD_VERSION,
    )


def _reread(body: bytes, url: str | None, content_type: str | None) -> ArticleContent | None:
    try:
        return extract_article(body, url, content_type)
    except ExtractionError:
        return None


def _archive_round(
    archive: Archive,
    at: datetime,
    extract: Callable[[bytes, str | None, str | None], ArticleContent],
    *,
    edited: str = "",
    like_with_like: bool = True,
) -> list[CaptureResult]:
    results = []
    for topic in TOPICS:
        page = _fetched(topic, at, _page(topic, edited=topic == edited))
        content = extract(page.body or b"", page.final_url, "text/html; charset=utf-8")
        reread = _reread if like_with_like else None
        results.append(
            archive.run_write(partial(record_capture, page=page, content=content, reread=reread))
        )
    return results


def test_revisit_after_upgrade_makes_no_false_versions(archive: Archive) -> None:
    first = _archive_round(archive, T0, _old_extractor)
    assert [r.status for r in first] == ["new"] * len(TOPICS)
    # The current extractor reads every unchanged page differently from the old one ...
    revisit = _archive_round(archive, T0 + timedelta(hours=1), extract_article)
    # ... and yet no page gets a version: each is compared with its own stored page re-read.
    assert [r.status for r in revisit] == ["unchanged"] * len(TOPICS)
    # A real edit on one page still makes a version, made by the current extractor.
    edit = _archive_round(archive, T0 + timedelta(hours=2), extract_article, edited="railway")
    assert [r.status for r in edit] == [
        "unchanged",
        "changed",
        "unchanged",
        "unchanged",
        "unchanged",
    ]
    with archive.read() as session:
        versions = history(session, "https://news.example/city/railway.html")
        assert [v.extractor_version for v in versions] == [OLD_VERSION, EXTRACTOR_VERSION]
        assert (
            "two full years" in get_version(session, "https://news.example/city/railway.html").text
        )


def test_without_like_with_like_every_page_would_look_edited(archive: Archive) -> None:
    _archive_round(archive, T0, _old_extractor)
    revisit = _archive_round(
        archive, T0 + timedelta(hours=1), extract_article, like_with_like=False
    )
    assert [r.status for r in revisit] == ["changed"] * len(TOPICS)


def test_reextract_dry_run_counts_and_writes_nothing(
    archive: Archive, cli: Callable[..., Result]
) -> None:
    _archive_round(archive, T0, _old_extractor)
    assert reextract(archive, dry_run=True) == {"would_change": len(TOPICS)}
    result = cli("reextract", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["status"] for line in lines] == ["would_change"] * len(TOPICS)
    assert f"would change the content of {len(TOPICS)} latest versions" in result.stderr
    with archive.read() as session:
        for topic in TOPICS:
            url = f"https://news.example/city/{topic}.html"
            assert [v.origin for v in history(session, url)] == ["capture"]
    assert reextract(archive) == {"reextracted": len(TOPICS)}
    assert reextract(archive, dry_run=True) == {"unchanged": len(TOPICS)}
