"""A host's Crawl-delay and Retry-After, seen by one worker, hold for every worker."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.extensions.archive_connection import ArchiveConnection
from crawler.middlewares.shared_politeness import SharedPolitenessMiddleware
from storage import open_archive
from storage.locks import reserve_host_slot, reserve_host_slot_at
from storage.models import HostPoliteness
from storage.timeutil import utcnow

HOST = "news.example"


@pytest.fixture
def workers(db_url: str) -> Iterator[list[SharedPolitenessMiddleware]]:
    """Two workers' middlewares on one database, 1 s apart per host by configuration."""
    connections = [ArchiveConnection(db_url) for _ in range(2)]
    yield [
        SharedPolitenessMiddleware(c.archive, 1.0, {}, MemoryStatsCollector(get_crawler()))
        for c in connections
    ]
    for connection in connections:
        connection.close()


def wait_for_slot(middleware: SharedPolitenessMiddleware, host: str, delay: float) -> float:
    """Reserve ``host``'s next slot; the seconds until it comes."""
    return middleware._reserve(host, delay) - time.monotonic()


def answer(
    middleware: SharedPolitenessMiddleware,
    url: str,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    request = Request(url)
    response = Response(url, status=status, body=body, headers=headers, request=request)
    asyncio.run(middleware.process_response(request, response))


def test_a_crawl_delay_spaces_the_shared_slots(workers: list[SharedPolitenessMiddleware]) -> None:
    first, _ = workers
    answer(first, f"https://{HOST}/robots.txt", 200, body=b"User-agent: *\nCrawl-delay: 7\n")
    assert first.delay_for(HOST) == 7.0
    assert first.delay_for("other.example") == 1.0
    waits = [wait_for_slot(first, HOST, first.delay_for(HOST)) for _ in range(3)]
    assert [round(w) for w in waits] == [0, 7, 14]


def test_a_retry_after_holds_every_worker_back(workers: list[SharedPolitenessMiddleware]) -> None:
    first, second = workers
    assert round(wait_for_slot(second, HOST, 1.0)) == 0
    answer(first, f"https://{HOST}/a/1", 429, headers={"Retry-After": "30"})
    # The other worker's next request to that host waits out the Retry-After.
    assert round(wait_for_slot(second, HOST, 1.0)) == 30
    assert round(wait_for_slot(second, "other.example", 1.0)) == 0


@pytest.mark.postgres_only
def test_a_wait_for_another_workers_row_lock_counts_as_time_waited(db_url: str) -> None:
    """A worker that waited 2.5 s for the host's row goes at once: its 2 s slot had passed.

    Counted from before the lock wait, it would wait its 2 s again on top and go late, closer
    than the delay to the next worker's request; and the moment to send at must not be read
    before the wait either (it would go early).
    """
    delay = timedelta(seconds=2)
    locked = threading.Event()

    def hold_the_row(session: Session) -> None:
        held = select(HostPoliteness).where(HostPoliteness.host == HOST).with_for_update()
        assert session.scalars(held).all()
        locked.set()
        time.sleep(2.5)

    with open_archive(db_url) as archive, open_archive(db_url) as other:
        # The host's next slot: 2 s from now.
        archive.run_write(lambda s: reserve_host_slot(s, HOST, now=utcnow(), delay=delay))
        holder = threading.Thread(target=other.run_write, args=(hold_the_row,))
        holder.start()
        assert locked.wait(30)
        asked = time.monotonic()
        send_at = archive.run_write(
            lambda s: reserve_host_slot_at(s, HOST, now=utcnow(), delay=delay)
        )
        got_it = time.monotonic()
        holder.join()
    assert got_it - asked >= 2, "the row was not held"
    assert -0.5 < send_at - got_it < 1.0, f"it would wait {send_at - got_it:.1f} s more"
