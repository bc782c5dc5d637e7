"""A host's Crawl-delay holds between every two requests the server sees, whatever the queue.

Real `newsarchive archive` processes against a demo site whose robots.txt answers slowly with
a Crawl-delay, so that every page of the crawl is queued behind it and released at once when
it answers; the site logs when each request arrives. Gaps are measured at the server, robots.txt
included, in a crawl that fetches robots.txt and in one that reads the archive's kept copy.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from demosite.response import Response
from demosite.server import DemoServer, serve
from demosite.site import NewsSite

from .conftest import Cli

CRAWL_DELAY = 1.5
ROBOTS_SECONDS = 0.5  # shorter than the delay: the first page must still wait after it
PAGE_SECONDS = 0.2
PAGES = 5


class SlowRobotsSite(NewsSite):
    """The demo site with a slow robots.txt asking for a Crawl-delay; logs each arrival."""

    def __init__(self, articles: int) -> None:
        super().__init__(articles)
        self._lock = threading.Lock()
        self.arrivals: list[tuple[float, str]] = []  # (time.monotonic(), path)

    def render(
        self, target: str, base_url: str, nonce: int = 0, rendered_at: datetime | None = None
    ) -> Response:
        path = target.split("?")[0]
        with self._lock:
            self.arrivals.append((time.monotonic(), path))
        if path == "/robots.txt":
            time.sleep(ROBOTS_SECONDS)
            body = f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\n".encode()
            return Response(200, body, "text/plain")
        time.sleep(PAGE_SECONDS)
        return super().render(target, base_url, nonce, rendered_at)

    def gaps(self, since: int = 0) -> list[float]:
        """Seconds between each two arrivals, from the ``since``-th on, in arrival order."""
        with self._lock:
            times = sorted(at for at, _ in self.arrivals[since:])
        return [b - a for a, b in itertools.pairwise(times)]


@pytest.fixture
def site() -> Iterator[DemoServer]:
    with serve(SlowRobotsSite(articles=2 * PAGES + 1)) as server:
        yield server


def crawl(cli: Cli, site: DemoServer, paths: list[str]) -> None:
    run = cli("archive", "--json", "--delay", "0", *(site.url + p for p in paths))
    assert run.code == 0, run.stderr
    assert [r["status"] for r in run.json_lines()] == ["new"] * len(paths)


@pytest.mark.slow
def test_every_request_waits_the_crawl_delay_after_the_previous_one(
    cli: Cli, site: DemoServer
) -> None:
    assert isinstance(site.site, SlowRobotsSite)
    paths = site.site.article_paths()
    crawl(cli, site, paths[:PAGES])
    arrived = [path for _, path in site.site.arrivals]
    assert arrived[0] == "/robots.txt"
    assert len(arrived) == PAGES + 1
    gaps = site.site.gaps()
    # robots.txt, then each page: never closer than the delay, counted from the answer.
    assert min(gaps) >= CRAWL_DELAY, gaps

    # The next crawl reads robots.txt from the archive: the kept Crawl-delay spaces its pages.
    before = len(site.site.arrivals)
    crawl(cli, site, paths[PAGES : 2 * PAGES])
    arrived = [path for _, path in site.site.arrivals[before:]]
    assert "/robots.txt" not in arrived
    assert len(arrived) == PAGES
    gaps = site.site.gaps(since=before)
    assert min(gaps) >= CRAWL_DELAY, gaps
