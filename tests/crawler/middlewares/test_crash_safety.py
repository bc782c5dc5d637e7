"""The crash-safety middlewares on their own, built without a crawler (plain values in)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.utils import format_datetime

import pytest
from scrapy import Request
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    StopDownload,
)
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fetching import failure_reason
from crawler.middlewares.politeness import PolitenessMiddleware, retry_after_seconds
from crawler.middlewares.read_limit import RobotsTxtReadLimitMiddleware
from crawler.middlewares.refused import RequestRefused
from crawler.middlewares.urls import RequestUrlMiddleware
from storage.timeutil import utcnow


class FakeClock:
    """A clock that only moves when the middleware sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would


def polite(clock: FakeClock, **options: float) -> PolitenessMiddleware:
    return PolitenessMiddleware(
        "newsarchive/0.1",
        clock=clock,
        sleep=clock.sleep,
        **options,  # type: ignore[arg-type]
    )


def fetch_times(middleware: PolitenessMiddleware, clock: FakeClock, urls: list[str]) -> list[float]:
    async def go() -> list[float]:
        times = []
        for url in urls:
            request = Request(url)
            await middleware.process_request(request)
            times.append(clock.now)
            middleware.request_done(request)  # answered at once
        return times

    return asyncio.run(go())


def robots(url: str, body: bytes, status: int = 200) -> tuple[Request, Response]:
    request = Request(url)
    return request, Response(url, status=status, body=body, request=request)


def test_crawl_delay_spaces_one_host_and_leaves_others_alone() -> None:
    clock = FakeClock()
    middleware = polite(clock)
    middleware.process_response(
        *robots("http://slow.test/robots.txt", b"User-agent: *\nCrawl-delay: 5\n")
    )
    times = fetch_times(middleware, clock, ["http://slow.test/a", "http://slow.test/b"])
    assert times[1] - times[0] == pytest.approx(5)
    other = fetch_times(middleware, clock, ["http://fast.test/a", "http://fast.test/b"])
    assert other[0] == other[1]


def test_crawl_delay_host_gets_its_next_request_only_after_the_answer() -> None:
    clock = FakeClock()
    middleware = polite(clock)
    middleware.process_response(
        *robots("http://slow.test/robots.txt", b"User-agent: *\nCrawl-delay: 2\n")
    )
    first, second = Request("http://slow.test/a"), Request("http://slow.test/b")

    async def go() -> float:
        await middleware.process_request(first)
        waiting = asyncio.ensure_future(middleware.process_request(second))
        for _ in range(100):  # 5 s of the fake clock: the delay is long past, no answer yet
            await asyncio.sleep(0)
            assert not waiting.done(), "sent before the previous request was answered"
            await clock.sleep(0.05)
        answered_at = clock.now
        middleware.request_done(first)
        await waiting
        return clock.now - answered_at

    # The delay counts from the answer: a server that read the request late still gets it.
    assert asyncio.run(go()) == pytest.approx(2, abs=0.06)


def test_a_waiting_request_never_slips_out_between_the_answer_and_its_processing() -> None:
    """Scrapy signals request_left_downloader, then hands the answer on turns later.

    A request waiting for the host used to go in between, before the delay was counted from
    the answer: two requests 0.04 s apart at the server under load.
    """
    clock = FakeClock()
    middleware = polite(clock)
    middleware.process_response(
        *robots("http://slow.test/robots.txt", b"User-agent: *\nCrawl-delay: 2\n")
    )
    first, second = Request("http://slow.test/a"), Request("http://slow.test/b")

    async def sent(request: Request) -> float:
        await middleware.process_request(request)
        return clock.now

    async def go() -> float:
        await middleware.process_request(first)
        waiting = asyncio.ensure_future(sent(second))
        await clock.sleep(5)  # the server was slow to read the first request
        answered_at = clock.now
        middleware.request_done(first)  # Scrapy's request_left_downloader signal
        for _ in range(5):  # the answer travels back through the other middlewares
            await asyncio.sleep(0)
        middleware.process_response(first, Response(first.url, status=200, request=first))
        return await waiting - answered_at

    assert asyncio.run(go()) >= 2


def test_a_failed_request_also_makes_the_next_one_wait() -> None:
    clock = FakeClock()
    middleware = polite(clock)
    middleware.process_response(
        *robots("http://slow.test/robots.txt", b"User-agent: *\nCrawl-delay: 2\n")
    )
    first = Request("http://slow.test/a")

    async def go() -> float:
        await middleware.process_request(first)
        await clock.sleep(5)  # no answer: the download times out
        failed_at = clock.now
        middleware.process_exception(first, DownloadTimeoutError("took too long"))
        await middleware.process_request(Request("http://slow.test/b"))
        return clock.now - failed_at

    assert asyncio.run(go()) >= 2


def test_the_first_page_waits_the_delay_after_robots_txt() -> None:
    clock = FakeClock()
    middleware = polite(clock)
    answered_at = clock.now
    middleware.process_response(
        *robots("http://slow.test/robots.txt", b"User-agent: *\nCrawl-delay: 3\n")
    )
    [first] = fetch_times(middleware, clock, ["http://slow.test/a"])
    assert first - answered_at == pytest.approx(3)


def test_crawl_delay_is_capped() -> None:
    clock = FakeClock()
    middleware = polite(clock, max_crawl_delay=60)
    middleware.process_response(
        *robots("http://x.test/robots.txt", b"User-agent: *\nCrawl-delay: 86400\n")
    )
    assert middleware.crawl_delays == {"x.test": 60}


def test_retry_after_requeues_and_pauses_the_host() -> None:
    clock = FakeClock()
    middleware = polite(clock, max_retry_after=120, retry_times=2)
    request = Request("http://busy.test/story")
    answer = Response(request.url, status=429, headers={"Retry-After": "30"}, request=request)
    retry = middleware.process_response(request, answer)
    assert isinstance(retry, Request)
    assert retry.url == request.url
    assert retry.dont_filter
    [started] = fetch_times(middleware, clock, [retry.url])
    assert started - 1000.0 == pytest.approx(30)
    # After the allowed number of tries the 429 goes through, to be recorded as http_429.
    retry.meta["archive_retry_after_times"] = 2
    again = Response(retry.url, status=429, headers={"Retry-After": "30"}, request=retry)
    assert middleware.process_response(retry, again) is again


def test_retry_after_too_long_is_not_waited_for() -> None:
    clock = FakeClock()
    middleware = polite(clock, max_retry_after=120)
    request = Request("http://busy.test/story")
    answer = Response(request.url, status=503, headers={"Retry-After": "86400"}, request=request)
    assert middleware.process_response(request, answer) is answer


def test_retry_after_forms() -> None:
    assert retry_after_seconds(b"120") == 120
    later = format_datetime(utcnow() + timedelta(seconds=90), usegmt=True).encode()
    assert 80 <= (retry_after_seconds(later) or 0) <= 91
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_credentials_are_stripped_before_anything_else_sees_the_url() -> None:
    middleware = RequestUrlMiddleware(max_length=100)
    cleaned = middleware.process_request(Request("http://user:pw@news.test/a"))
    assert isinstance(cleaned, Request)
    assert cleaned.url == "http://news.test/a"
    assert middleware.process_request(Request("http://news.test/a")) is None


def test_over_long_url_is_refused_with_a_reason() -> None:
    middleware = RequestUrlMiddleware(max_length=100)
    with pytest.raises(RequestRefused) as refused:
        middleware.process_request(Request("http://news.test/" + "a" * 200))
    assert refused.value.reason == "url_too_long"


def test_robots_txt_reading_stops_at_the_cap() -> None:
    middleware = RobotsTxtReadLimitMiddleware(max_bytes=1000)
    request = Request("http://news.test/robots.txt")
    middleware.process_request(request)
    middleware.bytes_received(b"x" * 600, request)
    with pytest.raises(StopDownload) as stopped:
        middleware.bytes_received(b"x" * 600, request)
    assert not stopped.value.fail  # keep what was read
    page = Request("http://news.test/story")
    middleware.process_request(page)
    middleware.bytes_received(b"x" * 5000, page)  # other requests are not limited


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (DownloadTimeoutError("Getting x took longer than 30 seconds."), "timeout"),
        (DownloadCancelledError(""), "too_large"),
        (ResponseDataLossError(), "truncated_body"),
        (DownloadFailedError("malformed chunk"), "bad_response"),
        (IgnoreRequest("Ignored response because its body exceeded DOWNLOAD_MAXSIZE"), "too_large"),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (RequestRefused("private_network", "refused"), "private_network"),
        (ValueError("Missing scheme in request url: javascript:alert(1)"), "redirect_refused"),
    ],
)
def test_scrapy_failures_map_to_reasons(error: Exception, reason: str) -> None:
    assert failure_reason(Failure(error)).reason == reason
