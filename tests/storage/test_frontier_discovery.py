"""Adding discovered URLs to the frontier: in bulk, once each, never an archived article again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, event, func, select

from storage import Archive
from storage.frontier import FrontierURL, add_to_frontier, lease_due
from storage.models import FrontierEntry

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
BODY = "Officials gave few details on Tuesday about the investigation, which began last week. " * 8


def urls(count: int, start: int = 0) -> list[FrontierURL]:
    return [
        FrontierURL(f"https://news.example/a/{i}-story", "article", "sitemap_url", 1)
        for i in range(start, start + count)
    ]


def test_a_big_batch_is_one_bulk_insert_and_counts_only_new_rows(archive: Archive) -> None:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            statements.append(statement)

    event.listen(archive.engine, "before_cursor_execute", count)
    try:
        first = archive.run_write(lambda s: add_to_frontier(s, urls(1200), now=T0, scope="news"))
    finally:
        event.remove(archive.engine, "before_cursor_execute", count)
    assert first == 1200
    [insert] = statements  # one statement for the batch (SQLite: executemany; PostgreSQL: the
    assert "ON CONFLICT" in insert.upper()  # INSERT ... SELECT from the rows COPY-ed in)
    # Half already known, half new, and a duplicate within the batch: only the new are added.
    batch = urls(1200, start=600) + urls(1, start=1799)
    again = archive.run_write(lambda s: add_to_frontier(s, batch, now=T0, scope="news"))
    assert again == 600
    with archive.read() as session:
        assert session.scalar(select(func.count(FrontierEntry.id))) == 1800


def test_an_archived_article_without_a_frontier_row_is_not_queued_again(
    archive: Archive, capture: Callable[..., Any]
) -> None:
    known = "https://news.example/a/known-story-here"
    capture(known, "Known", BODY)
    archive.run_write(lambda s: s.execute(delete(FrontierEntry)))
    batch = [FrontierURL(known, "article", "feed", 1), *urls(2)]
    added = archive.run_write(lambda s: add_to_frontier(s, batch, now=T0, scope="news"))
    assert added == 2
    with archive.read() as session:
        queued = set(session.scalars(select(FrontierEntry.url)))
    assert known not in queued


def test_malformed_urls_are_left_out_and_the_rest_added(archive: Archive) -> None:
    batch = [FrontierURL("http://[::1", "article", "feed", 1), *urls(3)]
    assert archive.run_write(lambda s: add_to_frontier(s, batch, now=T0, scope="news")) == 3


def test_rows_added_in_bulk_keep_their_times_and_are_due_at_once(archive: Archive) -> None:
    published = datetime(2026, 11, 19, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    batch = [
        FrontierURL("https://news.example/a/dated-story", "article", "sitemap", 1, published),
        FrontierURL("https://news.example/a/undated-story", "article", "sitemap_url", 1),
    ]
    archive.run_write(lambda s: add_to_frontier(s, batch, now=T0, scope="news"))
    with archive.read() as session:
        rows = {r.url.rsplit("/", 1)[1]: r for r in session.scalars(select(FrontierEntry))}
    dated = rows["dated-story"]
    assert dated.published_at == published  # the same instant, read back in UTC
    assert dated.published_at.tzinfo is not None
    assert rows["undated-story"].published_at is None
    assert (dated.discovered_at, dated.next_fetch_at) == (T0, T0)
    assert (dated.host, dated.scope, dated.kind, dated.source, dated.depth, dated.attempts) == (
        "news.example", "news", "article", "sitemap", 1, 0,
    )  # fmt: skip
    before = archive.run_write(
        lambda s: lease_due(s, "w", now=T0 - timedelta(microseconds=1), limit=10)
    )
    assert before == []
    leased = archive.run_write(lambda s: lease_due(s, "w", now=T0, limit=10))
    assert {row.url for row in leased} == {r.url for r in rows.values()}
