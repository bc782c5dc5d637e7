"""Sitemap batches handed over from the parser thread: all of them, or fewer once told to stop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator

from crawler.discovery.routing import Routed
from crawler.spiders.sitemap_parsing import SitemapParsing
from storage.frontier import FrontierURL


def batches(count: int, threads: list[str], closed: list[bool]) -> Generator[Routed]:
    try:
        for n in range(count):
            threads.append(threading.current_thread().name)
            yield Routed((FrontierURL(f"https://news.example/{n}", "article", "sitemap_url"),))
    finally:
        closed.append(True)


def collect(count: int, stop_after: int | None) -> tuple[list[tuple[str, bool]], list[str], bool]:
    threads: list[str] = []
    closed: list[bool] = []
    parsing = SitemapParsing()

    async def run() -> list[tuple[str, bool]]:
        seen: list[tuple[str, bool]] = []
        stop = lambda: stop_after is not None and len(seen) >= stop_after  # noqa: E731
        async for part, last in parsing.parts(batches(count, threads, closed), stop):
            seen.append((part.urls[0].url, last))
        return seen

    try:
        return asyncio.run(run()), threads, bool(closed)
    finally:
        parsing.close()


def test_every_batch_arrives_in_order_and_only_the_last_is_marked_last() -> None:
    seen, threads, closed = collect(3, None)
    assert seen == [
        ("https://news.example/0", False),
        ("https://news.example/1", False),
        ("https://news.example/2", True),
    ]
    assert closed
    # Parsed in the one parser thread, never on the event loop's thread.
    assert set(threads) != {threading.current_thread().name}
    assert len(set(threads)) == 1


def test_told_to_stop_it_hands_over_no_last_part_and_closes_the_parser() -> None:
    seen, _, closed = collect(5, stop_after=2)
    assert seen == [("https://news.example/0", False), ("https://news.example/1", False)]
    assert closed  # the generator (and its lxml parser) is closed in the parser thread


def test_a_part_parsed_while_the_crawl_began_stopping_is_not_handed_over() -> None:
    seen, _, closed = collect(5, stop_after=0)
    assert seen == []
    assert closed
    # A one-part sitemap is handed over whole all the same: it completes the sitemap's row.
    seen, _, _ = collect(1, stop_after=0)
    assert seen == [("https://news.example/0", True)]
