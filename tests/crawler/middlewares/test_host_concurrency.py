"""The per-host concurrency limit on its own: requests arriving in one event-loop turn.

That is the case Scrapy 2.19's downloader gets wrong (it counts a request against its slot
one turn after handing it out); the whole crawl is tested in
tests/e2e/test_robots_cache.py::test_requests_released_by_a_kept_copy_still_go_two_at_a_time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from scrapy import Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.test import get_crawler

from crawler.middlewares.host_concurrency import HostConcurrencyMiddleware


def host_of(request: Request) -> str:
    return urlparse_cached(request).hostname or ""


def two_per_host(key: str) -> int:
    return 1 if key == "one.test" else 2


def gate() -> HostConcurrencyMiddleware:
    return HostConcurrencyMiddleware(host_of, two_per_host)


class Sent:
    """Sends requests through the middleware together, noting which got through so far."""

    def __init__(self, middleware: HostConcurrencyMiddleware) -> None:
        self.middleware = middleware
        self.through: list[str] = []
        self.tasks: list[asyncio.Task[None]] = []

    def send(self, *urls: str) -> list[Request]:
        requests = [Request(url) for url in urls]
        for request in requests:
            self.tasks.append(asyncio.ensure_future(self._pass(request)))
        return requests

    async def _pass(self, request: Request) -> None:
        await self.middleware.process_request(request)
        self.through.append(request.url)


async def turns(n: int = 3) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def run(test: Awaitable[None]) -> None:
    asyncio.run(test)  # type: ignore[arg-type]


def test_three_requests_in_one_turn_go_two_at_a_time() -> None:
    stats = MemoryStatsCollector(get_crawler())

    async def go() -> None:
        sent = Sent(HostConcurrencyMiddleware(host_of, two_per_host, stats=stats))
        a, b, c = sent.send("http://a.test/1", "http://a.test/2", "http://a.test/3")
        await turns()
        assert sent.through == [a.url, b.url]
        sent.middleware.request_left(b)
        await turns()
        assert sent.through == [a.url, b.url, c.url]

    run(go())
    assert stats.get_value("archive/host_concurrency/waits") == 1


def test_waiting_requests_go_in_arrival_order_as_places_free() -> None:
    async def go() -> None:
        sent = Sent(gate())
        requests = sent.send(*(f"http://a.test/{n}" for n in range(6)))
        await turns()
        for leaving in requests[:4]:
            sent.middleware.request_left(leaving)
            await turns()
            assert len(sent.through) == requests.index(leaving) + 3
        assert sent.through == [r.url for r in requests]

    run(go())


def test_a_busy_host_does_not_hold_up_another() -> None:
    async def go() -> None:
        sent = Sent(gate())
        sent.send("http://a.test/1", "http://a.test/2", "http://a.test/3")
        sent.send("http://b.test/1", "http://b.test/2")
        await turns()
        assert sorted(sent.through) == [
            "http://a.test/1",
            "http://a.test/2",
            "http://b.test/1",
            "http://b.test/2",
        ]

    run(go())


def test_a_host_with_a_limit_of_one_gets_one() -> None:
    async def go() -> None:
        sent = Sent(gate())
        first, second = sent.send("http://one.test/1", "http://one.test/2")
        await turns()
        assert sent.through == [first.url]
        sent.middleware.request_left(first)
        await turns()
        assert sent.through == [first.url, second.url]

    run(go())


def test_a_request_cancelled_while_waiting_takes_no_place_with_it() -> None:
    async def go() -> None:
        sent = Sent(gate())
        a, b, waiting = sent.send("http://a.test/1", "http://a.test/2", "http://a.test/3")
        await turns()
        sent.tasks[2].cancel()
        await turns()
        sent.middleware.request_left(a)
        sent.middleware.request_left(b)
        later = sent.send("http://a.test/4", "http://a.test/5", "http://a.test/6")
        await turns()
        assert sent.through == [a.url, b.url, later[0].url, later[1].url]
        assert waiting.url not in sent.through

    run(go())


def test_a_request_that_held_no_place_frees_none() -> None:
    async def go() -> None:
        sent = Sent(gate())
        sent.send("http://a.test/1", "http://a.test/2", "http://a.test/3")
        await turns()
        sent.middleware.request_left(Request("http://a.test/elsewhere"))
        await turns()
        assert len(sent.through) == 2

    run(go())


def test_the_limits_are_scrapys_per_slot_settings() -> None:
    crawler = get_crawler(
        settings_dict={
            "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
            "DOWNLOAD_SLOTS": {"slow.test": {"concurrency": 1}},
        }
    )
    middleware = HostConcurrencyMiddleware.from_crawler(crawler)
    assert middleware.limit("news.test") == 2
    assert middleware.limit("slow.test") == 1
