"""robots.txt kept in the archive for a day: later crawls of a host parse it instead of fetching.

Every crawl is a real `newsarchive archive` (or `scrapy crawl`) process against the demo site on
127.0.0.1, whose request log shows what reached the server. The site's robots.txt answer can be
changed between crawls, so a crawl that obeys the old answer can only have read the kept copy.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crawler.extensions.archive_connection import ArchiveConnection
from crawler.middlewares.politeness import PolitenessMiddleware
from crawler.middlewares.robots import RobotsTxtCache
from demosite.response import Response
from demosite.server import DemoServer, serve
from demosite.site import NewsSite
from storage import open_archive
from storage.models import CrawlRun, RobotsTxt
from storage.robots_cache import robots_origin

from .conftest import Cli
from .test_scrapy_tools import scrapy_archive

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
PRIVATE = "/private/drafts/embargoed-story.html"  # disallowed by the demo site's robots.txt


class SwitchableRobotsSite(NewsSite):
    """The demo site, except that a test may set what its robots.txt answers.

    It also counts how many pages it is answering at once (``most_at_once``); each takes at
    least ``page_seconds``, so that requests sent together overlap.
    """

    robots: Response | None = None  # None: the site's own robots.txt
    page_seconds = 0.0

    def __init__(self, articles: int) -> None:
        super().__init__(articles)
        self._lock = threading.Lock()
        self._now_answering = 0
        self.most_at_once = 0

    def render(
        self, target: str, base_url: str, nonce: int = 0, rendered_at: datetime | None = None
    ) -> Response:
        if target.split("?")[0] == "/robots.txt" and self.robots is not None:
            return self.robots
        with self._lock:
            self._now_answering += 1
            self.most_at_once = max(self.most_at_once, self._now_answering)
        try:
            time.sleep(self.page_seconds)
            return super().render(target, base_url, nonce, rendered_at)
        finally:
            with self._lock:
                self._now_answering -= 1


@pytest.fixture
def site() -> Iterator[DemoServer]:
    with serve(SwitchableRobotsSite(articles=24)) as server:
        yield server


def answer_robots(site: DemoServer, response: Response | None) -> None:
    assert isinstance(site.site, SwitchableRobotsSite)
    site.site.robots = response


def article(site: DemoServer, n: int) -> str:
    return site.url + site.site.article_paths()[n]


def robots_fetches(site: DemoServer) -> int:
    return sum(r.path == "/robots.txt" for r in site.requests)


def archived(cli: Cli, *urls: str) -> list[dict[str, Any]]:
    run = cli("archive", "--json", *urls)
    assert "Traceback" not in run.stderr, run.stderr
    return run.json_lines()


def last_run_stats(db_url: str) -> dict[str, Any]:
    with open_archive(db_url) as archive, archive.read() as session:
        stats: dict[str, Any] | None = session.scalars(
            select(CrawlRun.stats).order_by(CrawlRun.id.desc())
        ).first()
    assert stats is not None
    return stats


def at(moment: datetime) -> dict[str, str]:
    return {"NEWSARCHIVE_NOW": moment.isoformat()}


@pytest.mark.slow
def test_a_second_crawl_of_a_host_reads_robots_txt_from_the_archive(
    cli: Cli, site: DemoServer, db_url: str
) -> None:
    assert [r["status"] for r in archived(cli, article(site, 0))] == ["new"]
    assert robots_fetches(site) == 1
    assert [r["status"] for r in archived(cli, article(site, 1))] == ["new"]
    assert robots_fetches(site) == 1, "the second crawl fetched robots.txt again"
    stats = last_run_stats(db_url)
    assert stats.get("archive/robots/cached") == 1
    assert "robotstxt/request_count" not in stats


@pytest.mark.slow
def test_a_kept_copy_older_than_24_hours_is_fetched_again(cli: Cli, site: DemoServer) -> None:
    assert [r["status"] for r in archived(cli.env(at(T0)), article(site, 0))] == ["new"]
    later = cli.env(at(T0 + timedelta(hours=23, minutes=59)))
    assert [r["status"] for r in archived(later, article(site, 1))] == ["new"]
    assert robots_fetches(site) == 1
    next_day = cli.env(at(T0 + timedelta(hours=24, minutes=1)))
    assert [r["status"] for r in archived(next_day, article(site, 2))] == ["new"]
    assert robots_fetches(site) == 2
    # The new copy is kept from then on.
    assert [r["status"] for r in archived(next_day, article(site, 3))] == ["new"]
    assert robots_fetches(site) == 2


@pytest.mark.slow
def test_a_kept_disallow_still_refuses_the_path(cli: Cli, site: DemoServer) -> None:
    assert [r["status"] for r in archived(cli, article(site, 0))] == ["new"]
    # The site now allows everything; the copy kept a minute ago still disallows /private/.
    answer_robots(site, Response(200, b"User-agent: *\nAllow: /\n", "text/plain"))
    [refused] = archived(cli, site.url + PRIVATE)
    assert refused["error_reason"] == "robots_disallowed"
    paths = [r.path for r in site.requests]
    assert PRIVATE not in paths
    assert paths.count("/robots.txt") == 1


@pytest.mark.slow
def test_a_kept_crawl_delay_still_spaces_the_requests(
    cli: Cli, site: DemoServer, db_url: str
) -> None:
    answer_robots(site, Response(200, b"User-agent: *\nCrawl-delay: 1\n", "text/plain"))
    assert [r["status"] for r in archived(cli, article(site, 0))] == ["new"]
    assert [r["status"] for r in archived(cli, article(site, 1), article(site, 2))] == ["new"] * 2
    assert robots_fetches(site) == 1
    stats = last_run_stats(db_url)
    assert stats.get("archive/robots/cached") == 1
    assert stats.get("archive/politeness/waits", 0) >= 1, "the Crawl-delay was not applied"


@pytest.mark.slow
def test_requests_released_by_a_kept_copy_still_go_two_at_a_time(
    cli: Cli, site: DemoServer
) -> None:
    """Without a robots.txt answer to set AutoThrottle's delay, Scrapy would send them at once."""
    assert isinstance(site.site, SwitchableRobotsSite)
    assert [r["status"] for r in archived(cli, article(site, 0))] == ["new"]
    site.site.page_seconds = 0.05
    site.site.most_at_once = 0
    urls = [site.url + path for path in site.site.article_paths()[1:]]
    results = archived(cli, "--delay", "0", *urls)
    assert [r["status"] for r in results] == ["new"] * len(urls)
    assert robots_fetches(site) == 1
    assert site.site.most_at_once <= 2  # CONCURRENT_REQUESTS_PER_DOMAIN


@pytest.mark.slow
def test_a_robots_txt_answering_503_is_asked_again_next_crawl(
    cli: Cli, site: DemoServer, db_url: str
) -> None:
    no_retries = cli.env({"NEWSARCHIVE_RETRY_TIMES": "0"})
    answer_robots(site, Response(503, b"busy", "text/plain"))
    [refused] = archived(no_retries, article(site, 0))
    assert refused["error_reason"] == "robots_unavailable"
    assert robots_fetches(site) == 1
    with open_archive(db_url) as archive, archive.read() as session:
        assert session.get(RobotsTxt, robots_origin("http", urlsplit(site.url).netloc)) is None
    answer_robots(site, None)
    assert [r["status"] for r in archived(no_retries, article(site, 0))] == ["new"]
    assert robots_fetches(site) == 2


@pytest.mark.slow
def test_cache_seconds_0_fetches_robots_txt_every_crawl(
    cli: Cli, site: DemoServer, db_url: str
) -> None:
    assert [r["status"] for r in archived(cli, article(site, 0))] == ["new"]
    assert robots_fetches(site) == 1
    for n in (1, 2):
        crawled = scrapy_archive(article(site, n), db_url, "ARCHIVE_ROBOTSTXT_CACHE_SECONDS=0")
        assert crawled.returncode == 0, crawled.stderr
        assert robots_fetches(site) == 1 + n


def test_an_unusable_database_turns_the_cache_off_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The component on its own: a database it cannot open means "fetch as usual"."""
    connection = ArchiveConnection(f"sqlite:///{tmp_path}/missing/dir/archive.db")
    cache = RobotsTxtCache(connection.archive, timedelta(days=1))

    async def use() -> None:
        assert await cache.get("http://a.example") is None
        cache.keep("http://a.example", 200, b"")
        await cache.close()
        assert await cache.get("http://b.example") is None

    with caplog.at_level(logging.WARNING, logger="crawler.middlewares.robots"):
        asyncio.run(use())
    assert not cache.enabled
    assert len(caplog.records) == 1
    assert "fetching robots.txt as usual" in caplog.records[0].getMessage()
    connection.close()


def test_copies_are_written_behind_the_crawl_together_and_all_by_close(tmp_path: Path) -> None:
    """keep() never waits for the database; close() leaves every kept copy in the archive."""
    connection = ArchiveConnection(f"sqlite:///{tmp_path}/archive.db")
    cache = RobotsTxtCache(connection.archive, timedelta(days=1), write_seconds=30.0)
    origins = [f"http://host{n}.example" for n in range(200)]

    async def crawl() -> None:
        for n, origin in enumerate(origins):
            cache.keep(origin, 200, f"User-agent: *\nCrawl-delay: {n}\n".encode())
        # Nothing written yet: the writer waits for more copies (30 s here) or for close().
        assert await cache.get(origins[0]) is None
        await cache.close()

    asyncio.run(crawl())
    assert cache.enabled

    async def next_crawl(cache: RobotsTxtCache) -> list[bytes]:
        return [kept.body for o in origins if (kept := await cache.get(o)) is not None]

    expected = [f"User-agent: *\nCrawl-delay: {n}\n".encode() for n in range(200)]
    # Read all at once (one query) or, past the preload limit, one origin at a time.
    assert (
        asyncio.run(next_crawl(RobotsTxtCache(connection.archive, timedelta(days=1)))) == expected
    )
    one_by_one = RobotsTxtCache(connection.archive, timedelta(days=1))
    one_by_one.PRELOAD_LIMIT = 10
    assert asyncio.run(next_crawl(one_by_one)) == expected
    stale = RobotsTxtCache(connection.archive, timedelta(microseconds=1))
    assert asyncio.run(next_crawl(stale)) == []
    connection.close()


def test_a_kept_robots_txt_sets_the_crawl_delay() -> None:
    """No robots.txt response passes the politeness middleware then: the signal stands for it."""
    middleware = PolitenessMiddleware("newsarchive/0.1")
    middleware.robots_txt_cached(
        url="http://slow.test:8080/robots.txt", status=200, body=b"User-agent: *\nCrawl-delay: 5\n"
    )
    middleware.robots_txt_cached(
        url="http://gone.test/robots.txt", status=404, body=b"User-agent: *\nCrawl-delay: 5\n"
    )
    assert middleware.crawl_delays == {"slow.test:8080": 5}
