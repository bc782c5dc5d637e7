"""Per-site counters (migration 0013): right after every way rows are written, and migrated.

`stats`, `/sites` and `/api/sites` read counters kept by the database as rows are written
instead of counting the archive per view. Each test writes through a real path (live
captures and failures, 304s, import, re-extraction, migrate-db, an archive written before
0013) and compares what `stats` shows with a count of the rows themselves.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import Result
from sqlalchemy import case, func, select

from crawler.importing import reextract
from storage import (
    Archive,
    ArticleContent,
    CaptureFailure,
    CaptureResult,
    FetchedPage,
    open_archive,
    record_failure,
)
from storage.activity import errors_by_reason
from storage.export import iter_versions, write_jsonl
from storage.importing import import_versions, parse_jsonl
from storage.listing import stats
from storage.models import Article, Capture, Site
from storage.schema import downgrade, upgrade

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TEXT = "A first paragraph of reporting.\nA second paragraph with more detail.\n"
A = "https://www.nbcnews.com/news/story-a"
B = "https://www.nbcnews.com/news/story-b"
C = "https://www.bbc.co.uk/news/story-c"
CaptureFn = Callable[..., CaptureResult]

Counts = dict[str, tuple[int, int, int, int, datetime | None]]


def counted_from_rows(archive: Archive) -> Counts:
    """Each site's articles, versions, captures, errors and last capture, counted row by row."""
    with archive.read() as s:
        articles = dict(
            s.execute(
                select(Site.host, func.count(Article.id))
                .outerjoin(Article, Article.site_id == Site.id)
                .group_by(Site.host)
            ).all()
        )
        versions = dict(
            s.execute(
                select(Site.host, func.coalesce(func.sum(Article.version_count), 0))
                .outerjoin(Article, Article.site_id == Site.id)
                .group_by(Site.host)
            ).all()
        )
        captures = {
            host: (n, e, last)
            for host, n, e, last in s.execute(
                select(
                    Site.host,
                    func.count(Capture.id),
                    func.sum(case((Capture.outcome == "error", 1), else_=0)),
                    func.max(Capture.fetched_at),
                )
                .join(Article, Article.site_id == Site.id)
                .join(Capture, Capture.article_id == Article.id)
                .group_by(Site.host)
            ).all()
        }
    return {
        host: (articles[host], int(versions[host]), *_captures(captures.get(host)))
        for host in articles
    }


def _captures(
    row: tuple[int, int, datetime | None] | None,
) -> tuple[int, int, datetime | None]:
    if row is None:
        return (0, 0, None)
    n, errors, last = row
    return (int(n), int(errors or 0), last)


def errors_from_rows(archive: Archive, host: str) -> dict[str, int]:
    with archive.read() as s:
        rows = s.execute(
            select(func.coalesce(Capture.error_reason, "unknown"), func.count())
            .join(Article, Article.id == Capture.article_id)
            .join(Site, Site.id == Article.site_id)
            .where(Site.host == host, Capture.outcome == "error")
            .group_by(Capture.error_reason)
        ).all()
    return {reason: int(n) for reason, n in rows}


def errors_shown(archive: Archive, host: str) -> dict[str, int]:
    with archive.read() as s:
        return errors_by_reason(s, host)


def shown_by_stats(archive: Archive) -> Counts:
    with archive.read() as s:
        return {
            row.site: (row.articles, row.versions, row.captures, row.errors, row.last_crawl)
            for row in stats(s)
            if row.site != "(no article)"
        }


def write_a_crawl(archive: Archive, capture: CaptureFn) -> None:
    """Three articles on two sites: an edit, an unchanged revisit, a failure, a stray failure."""
    capture(A, "Story A", TEXT, T0)
    capture(A, "Story A, updated", TEXT, T0 + timedelta(days=1))
    capture(A, "Story A, updated", TEXT, T0 + timedelta(days=2))
    capture(B, "Story B", TEXT, T0 + timedelta(hours=5))
    capture(C, "Story C", TEXT, T0 + timedelta(hours=7))
    failed = FetchedPage(B, B, T0 + timedelta(days=4), http_status=503, body=b"busy")
    archive.run_write(lambda s: record_failure(s, failed, CaptureFailure("http_503", "HTTP 503")))
    stray = FetchedPage("https://elsewhere.example/x", None, T0, http_status=404, body=b"")
    archive.run_write(lambda s: record_failure(s, stray, CaptureFailure("http_404", "HTTP 404")))


def test_counters_follow_live_captures(archive: Archive, capture: CaptureFn) -> None:
    write_a_crawl(archive, capture)
    shown = shown_by_stats(archive)
    assert shown == counted_from_rows(archive)
    assert shown["www.nbcnews.com"] == (2, 3, 5, 1, T0 + timedelta(days=4))
    assert shown["www.bbc.co.uk"] == (1, 1, 1, 0, T0 + timedelta(hours=7))
    assert errors_shown(archive, "www.nbcnews.com") == {"http_503": 1}
    assert errors_shown(archive, "elsewhere.example") == {"http_404": 1}


def test_counters_after_import(archive: Archive, capture: CaptureFn, tmp_path: Path) -> None:
    write_a_crawl(archive, capture)
    exported = io.StringIO()
    with archive.read() as s:
        write_jsonl(iter_versions(s), exported)
    with open_archive(f"sqlite:///{tmp_path / 'copy.db'}") as copy:
        records = list(parse_jsonl(exported.getvalue().splitlines()))
        copy.run_write(lambda s: import_versions(s, records))
        copy.run_write(lambda s: import_versions(s, records))  # again: nothing changes
        shown = shown_by_stats(copy)
        assert shown == counted_from_rows(copy)
        # A JSONL export carries versions, not captures.
        assert shown["www.nbcnews.com"][:3] == (2, 3, 0)
        assert shown["www.bbc.co.uk"][:3] == (1, 1, 0)


def test_counters_after_reextraction(archive: Archive, capture: CaptureFn) -> None:
    write_a_crawl(archive, capture)

    def better(body: bytes, url: str | None, content_type: str | None) -> ArticleContent:
        return ArticleContent(text=TEXT + "A third paragraph found.\n", title="Better")

    assert reextract(archive, extract=better) == {"reextracted": 3}
    shown = shown_by_stats(archive)
    assert shown == counted_from_rows(archive)
    assert shown["www.nbcnews.com"][:2] == (2, 5)


def test_counters_after_migrate_db(
    archive: Archive, capture: CaptureFn, tmp_path: Path, cli: Callable[..., Result]
) -> None:
    write_a_crawl(archive, capture)
    target = f"sqlite:///{tmp_path / 'moved.db'}"
    result = cli("migrate-db", "--from", archive.url, "--to", target)
    assert result.exit_code == 0, result.output + result.stderr
    with open_archive(target) as moved:
        assert shown_by_stats(moved) == shown_by_stats(archive) == counted_from_rows(moved)
        assert errors_shown(moved, "www.nbcnews.com") == errors_from_rows(moved, "www.nbcnews.com")
        assert errors_shown(moved, "www.nbcnews.com") == {"http_503": 1}


def test_archive_written_before_the_counters_is_counted_on_upgrade(
    archive: Archive, capture: CaptureFn
) -> None:
    downgrade(archive, "0012")
    write_a_crawl(archive, capture)
    upgrade(archive)
    shown = shown_by_stats(archive)
    assert shown == counted_from_rows(archive)
    assert shown["www.nbcnews.com"] == (2, 3, 5, 1, T0 + timedelta(days=4))
    assert errors_shown(archive, "www.nbcnews.com") == {"http_503": 1}
    capture(C, "Story C, corrected", TEXT, T0 + timedelta(days=9))  # the triggers run from here
    assert shown_by_stats(archive)["www.bbc.co.uk"] == (1, 2, 2, 0, T0 + timedelta(days=9))
