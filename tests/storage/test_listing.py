"""`list` and `stats`: what a reader sees about the archive as a whole."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from click.testing import Result

from storage import Archive, CaptureFailure, CaptureResult, FetchedPage, record_failure
from storage.listing import list_articles, stats

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TEXT = "A first paragraph of reporting.\nA second paragraph with more detail.\n"
Capture = Callable[..., CaptureResult]
OLD = "https://www.nbcnews.com/news/old-story"
NEW = "https://www.nbcnews.com/news/new-story"
BBC = "https://www.bbc.co.uk/news/other"


def build(archive: Archive, capture: Capture) -> None:
    capture(OLD, "Old story", TEXT, T0)
    capture(OLD, "Old story, updated", TEXT, T0 + timedelta(days=3))
    capture(NEW, "New story", TEXT, T0 + timedelta(days=1))
    capture(BBC, "BBC story", TEXT, T0 + timedelta(days=2))
    failed = FetchedPage(NEW, NEW, T0 + timedelta(days=4), http_status=503, body=b"busy")
    archive.run_write(lambda s: record_failure(s, failed, CaptureFailure("http_503", "HTTP 503")))
    stray = replace(failed, requested_url="https://elsewhere.example/x", final_url=None)
    archive.run_write(lambda s: record_failure(s, stray, CaptureFailure("http_503", "HTTP 503")))


def test_list_is_newest_first_with_latest_title(archive: Archive, capture: Capture) -> None:
    build(archive, capture)
    with archive.read() as s:
        listed = list(list_articles(s))
        assert [a.url for a in listed] == [BBC, NEW, OLD]
        old = listed[2]
        assert (old.title, old.versions, old.site) == ("Old story, updated", 2, "www.nbcnews.com")
        assert (old.first_seen, old.last_changed) == (T0, T0 + timedelta(days=3))
        assert [a.url for a in list_articles(s, site="nbcnews.com")] == [NEW, OLD]
        assert [a.url for a in list_articles(s, changed_only=True)] == [OLD]
        assert [a.url for a in list_articles(s, since=T0 + timedelta(hours=1))] == [BBC, NEW]
        assert [a.url for a in list_articles(s, until=T0 + timedelta(days=2))] == [NEW, OLD]
        assert [a.url for a in list_articles(s, limit=1)] == [BBC]


def test_stats_per_site(archive: Archive, capture: Capture) -> None:
    build(archive, capture)
    with archive.read() as s:
        rows = {row.site: row for row in stats(s)}
    nbc = rows["www.nbcnews.com"]
    assert (nbc.articles, nbc.versions, nbc.captures, nbc.errors) == (2, 3, 4, 1)
    assert nbc.last_crawl == T0 + timedelta(days=4)
    assert (rows["www.bbc.co.uk"].articles, rows["www.bbc.co.uk"].captures) == (1, 1)
    assert (rows["(no article)"].captures, rows["(no article)"].errors) == (1, 1)


def test_cli_list_and_stats(archive: Archive, capture: Capture, cli: Callable[..., Result]) -> None:
    build(archive, capture)
    listed = cli("list", "--json", "--site", "nbcnews.com")
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["url"] for r in rows] == [NEW, OLD]
    assert {"url", "title", "versions", "first_seen", "last_captured", "site"} <= set(rows[0])
    assert rows[1]["versions"] == 2
    table = cli("list", "--changed-only")
    assert "Old story, updated" in table.stdout
    assert "New story" not in table.stdout
    summary = cli("stats")
    assert summary.exit_code == 0
    nbc_line = next(line for line in summary.stdout.splitlines() if "nbcnews" in line)
    assert nbc_line.split()[:5] == ["www.nbcnews.com", "2", "3", "4", "1"]
    bad = cli("list", "--since", "last tuesday")
    assert bad.exit_code == 2
    assert "not a date or time" in bad.stderr
