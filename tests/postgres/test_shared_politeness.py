"""A host's Crawl-delay and Retry-After, seen by one worker, hold for every worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawler.extensions.archive_connection import ArchiveConnection
from crawler.middlewares.shared_politeness import SharedPolitenessMiddleware

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
