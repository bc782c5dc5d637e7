"""Backfill's work list lives in the frontier: pending until recorded, never leased by a crawl."""

from __future__ import annotations

from datetime import timedelta

from storage import Archive
from storage.backfill_frontier import (
    PENDING,
    QueuedMemento,
    finish_memento,
    memento_rows,
    queue_mementos,
    retry_memento,
)
from storage.frontier import lease_due
from tests.storage.conftest import T0

URL = "https://news.example/2026/11/story.html"
CDX = "http://archive.test/coll/cdx"


def _memento(day: int, archive: str = CDX) -> QueuedMemento:
    at = T0 + timedelta(days=day)
    return QueuedMemento(at, f"http://archive.test/coll/{at:%Y%m%d%H%M%S}id_/{URL}", archive, None)


def test_queued_mementos_stay_pending_until_finished_and_are_queued_once(
    archive: Archive,
) -> None:
    work = [_memento(2), _memento(1), _memento(3)]
    added = archive.run_write(lambda s: queue_mementos(s, URL, work, now=T0))
    again = archive.run_write(lambda s: queue_mementos(s, URL, work, now=T0))
    archive.run_write(lambda s: finish_memento(s, work[1].raw_url, "new", now=T0))
    with archive.read() as session:
        rows = memento_rows(session, URL, [CDX])
        other_archive = memento_rows(session, URL, ["http://elsewhere.test/cdx"])
        other_url = memento_rows(session, URL + "?page=2", [CDX])
    assert (added, again) == (3, 0)
    # Oldest first, with the outcome of the one recorded.
    assert [(m.captured_at, m.outcome) for m in rows] == [
        (T0 + timedelta(days=1), "new"),
        (T0 + timedelta(days=2), PENDING),
        (T0 + timedelta(days=3), PENDING),
    ]
    assert other_archive == other_url == []


def test_a_memento_that_keeps_failing_is_given_up_after_three_attempts(
    archive: Archive,
) -> None:
    memento = _memento(1)
    archive.run_write(lambda s: queue_mementos(s, URL, [memento], now=T0))
    kept = [
        archive.run_write(lambda s: retry_memento(s, memento.raw_url, "truncated_body", now=T0))
        for _ in range(3)
    ]
    with archive.read() as session:
        (row,) = memento_rows(session, URL, [CDX])
    assert kept == [True, True, False]
    assert row.outcome == "truncated_body"


def test_a_crawl_never_leases_a_memento_row(archive: Archive) -> None:
    archive.run_write(lambda s: queue_mementos(s, URL, [_memento(1)], now=T0))
    leased = archive.run_write(
        lambda s: lease_due(s, "worker-1", now=T0 + timedelta(days=30), limit=100)
    )
    assert leased == []
