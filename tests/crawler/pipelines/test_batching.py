"""Write batches: items wait for company while pages are still being fetched, not after; an
item that fails fails alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from crawler.pipelines.batching import BatchWriter, GroupedWrites
from storage import Archive
from storage.frontier import add_to_frontier
from storage.frontier.discovery import FrontierURL
from storage.models import FrontierEntry

T0 = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _one(session: Session) -> int:
    return int(session.execute(text("SELECT 1")).scalar_one())


def test_a_write_waits_for_its_batch_while_pages_are_still_coming(archive: Archive) -> None:
    async def go() -> bool:
        writer = BatchWriter(archive, batch_size=50, batch_seconds=60)
        waiting = asyncio.ensure_future(writer.submit(_one))
        await asyncio.sleep(0.5)
        written = waiting.done()
        waiting.cancel()
        return written

    assert not asyncio.run(go()), "written before its batch filled or its time came"


def test_the_last_writes_go_at_once_when_nothing_more_is_coming(archive: Archive) -> None:
    async def go() -> list[int]:
        writer = BatchWriter(
            archive, batch_size=50, batch_seconds=60, nothing_more_coming=lambda: True
        )
        groups: GroupedWrites[int, int] = GroupedWrites(
            writer, lambda session, items: [_one(session) + item for item in items], seconds=60
        )
        return list(
            await asyncio.wait_for(
                asyncio.gather(writer.submit(_one), groups.submit(1)), timeout=10
            )
        )

    assert asyncio.run(go()) == [1, 2]


def _adding(url: str, *, then_fail: bool = False) -> Callable[[Session], int]:
    """A write that adds ``url`` to the frontier (and then raises, if ``then_fail``)."""

    def work(session: Session) -> int:
        added = add_to_frontier(session, [FrontierURL(url, "article", "feed")], now=T0, scope="x")
        if then_fail:
            raise ValueError(f"failed after adding {url}")
        return added

    return work


def _write_all(archive: Archive, works: list[Callable[[Session], int]]) -> list[Any]:
    """Each work's result or exception, all submitted to one batch."""

    async def go() -> list[Any]:
        writer = BatchWriter(archive, batch_size=len(works), batch_seconds=60)
        outcomes = await asyncio.gather(
            *(writer.submit(work) for work in works), return_exceptions=True
        )
        await writer.close()
        return list(outcomes)

    return asyncio.run(go())


def _stored_urls(archive: Archive) -> list[str]:
    with archive.read() as session:
        return sorted(session.scalars(select(FrontierEntry.url)))


def test_an_item_that_fails_fails_alone_and_leaves_nothing(archive: Archive) -> None:
    urls = [f"https://news.example/{n}" for n in range(4)]
    works = [_adding(url, then_fail=n == 2) for n, url in enumerate(urls)]
    outcomes = _write_all(archive, works)
    assert [outcomes[0], outcomes[1], outcomes[3]] == [1, 1, 1]
    assert isinstance(outcomes[2], ValueError)
    assert _stored_urls(archive) == [urls[0], urls[1], urls[3]]


@pytest.mark.parametrize("failing", [False, True])
def test_a_batch_without_failures_runs_without_savepoints(archive: Archive, failing: bool) -> None:
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement.upper())

    urls = [f"https://news.example/{n}" for n in range(3)]
    works = [_adding(url, then_fail=failing and n == 1) for n, url in enumerate(urls)]
    event.listen(archive.engine, "before_cursor_execute", note)
    try:
        _write_all(archive, works)
    finally:
        event.remove(archive.engine, "before_cursor_execute", note)
    savepoints = [s for s in statements if s.startswith("SAVEPOINT")]
    # With a failure, the batch is written again with a savepoint per item.
    assert len(savepoints) == (3 if failing else 0)
