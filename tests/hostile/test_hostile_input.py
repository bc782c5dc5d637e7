"""Hostile servers end as captures with a machine-readable reason, and the crawl goes on.

One `newsarchive archive` run fetches every hostile URL at once (with small limits, so it takes
seconds); each test then checks one case in that run's results, the archive and the server's log.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demosite.hostile import CRAWL_DELAY, RETRY_AFTER, HostileServer

from .conftest import FAST_LIMITS, Run, newsarchive

pytestmark = pytest.mark.slow

LONG_PATH = "/article/" + "long-" * 2000  # a 10,000-character URL


@dataclass
class HostileRun:
    server: HostileServer
    run: Run
    results: dict[str, dict[str, Any]]
    database: Path
    seconds: float

    def result(self, path: str, listener: str = "main") -> dict[str, Any]:
        return self.results[self.server.url(path, listener)]

    def reason(self, path: str, listener: str = "main") -> str | None:
        reason: str | None = self.result(path, listener)["error_reason"]
        return reason


MAIN_PATHS = [
    "/article/first",
    "/endless",
    "/slow-drip",
    "/hang",
    "/gzip-bomb",
    "/deflate-bomb",
    "/short-body",
    "/bad-chunks",
    "/redirect-loop/a",
    "/redirect-chain/0",
    "/meta-loop/a",
    "/redirect-to/file",
    "/redirect-to/ftp",
    "/redirect-to/data",
    "/redirect-to/javascript",
    "/binary-as-html",
    "/charset-lie",
    "/charset-unknown",
    "/bom-vs-header",
    "/invalid-utf8",
    "/deep-nesting",
    "/quadratic",
    "/empty",
    "/soft-404",
    "/ads/story",
    "/retry-after/story",
    "/unavailable/story",
    LONG_PATH,
    "/article/last",
]
OTHER_URLS = [
    ("/article/x", "robots_500"),
    ("/article/x", "robots_hang"),
    ("/article/allowed", "robots_huge"),
    ("/private/x", "robots_huge"),
    ("/article/1", "crawl_delay"),
    ("/article/2", "crawl_delay"),
    ("/article/3", "crawl_delay"),
    ("/too-long-retry/story", "busy"),
]


@pytest.fixture(scope="module")
def hostile_run(hostile: HostileServer, tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    database = tmp_path_factory.mktemp("hostile") / "archive.db"
    db_url = f"sqlite:///{database}"
    main_port = hostile.urls["main"].rsplit(":", 1)[1]
    urls = [hostile.url(p) for p in MAIN_PATHS]
    urls += [hostile.url(p, listener) for p, listener in OTHER_URLS]
    urls.append(f"http://reader:s3cret@127.0.0.1:{main_port}/article/credentials")
    started = time.monotonic()
    run = newsarchive(db_url, "archive", "--json", "--delay", "0", *urls, env=FAST_LIMITS)
    seconds = time.monotonic() - started
    results = {r["url"]: r for r in run.json_lines()}
    return HostileRun(hostile, run, results, database, seconds)


def test_every_url_ends_as_a_capture_and_the_crawl_goes_on(hostile_run: HostileRun) -> None:
    run = hostile_run.run
    assert run.code == 1, run.stderr  # some URLs failed, as they should
    assert "produced no result" not in run.stderr
    assert "Unhandled error" not in run.stderr
    assert "extractor_bug" not in run.stdout
    assert hostile_run.result("/article/first")["status"] == "new"
    assert hostile_run.result("/article/last")["status"] == "new"
    failed = [r for r in hostile_run.results.values() if r["status"] == "error"]
    assert all(r["error_reason"] and r["error"] for r in failed)
    captures = sqlite3.connect(hostile_run.database).execute("SELECT count(*) FROM captures")
    assert captures.fetchone()[0] == len(MAIN_PATHS) + len(OTHER_URLS) + 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/endless", "too_large"),
        ("/gzip-bomb", "too_large"),
        ("/deflate-bomb", "too_large"),
        ("/slow-drip", "timeout"),
        ("/hang", "timeout"),
        ("/short-body", "truncated_body"),
        ("/redirect-loop/a", "redirect_loop"),
        ("/redirect-chain/0", "redirect_loop"),
        ("/meta-loop/a", "redirect_loop"),
        ("/redirect-to/file", "redirect_refused"),
        ("/redirect-to/ftp", "redirect_refused"),
        ("/redirect-to/data", "redirect_refused"),
        ("/redirect-to/javascript", "redirect_refused"),
        ("/binary-as-html", "not_html"),
        ("/empty", "empty_body"),
        ("/quadratic", "timeout"),
    ],
)
def test_hostile_response_has_its_reason(hostile_run: HostileRun, path: str, reason: str) -> None:
    assert hostile_run.reason(path) == reason, hostile_run.result(path)


def test_retry_after_too_long_to_wait_gives_up_for_now(hostile_run: HostileRun) -> None:
    assert hostile_run.reason("/too-long-retry/story", "busy") == "http_429"
    assert len(hostile_run.server.hits("/too-long-retry/", "busy")) == 1


def test_broken_chunking_is_a_failed_fetch(hostile_run: HostileRun) -> None:
    assert hostile_run.reason("/bad-chunks") in ("truncated_body", "bad_response")


def test_slow_drip_is_cut_at_the_total_deadline(hostile_run: HostileRun) -> None:
    # One byte every 0.2 s never trips a per-read timeout; the 3 s total deadline must.
    deadline = float(FAST_LIMITS["NEWSARCHIVE_DOWNLOAD_TIMEOUT"])
    assert hostile_run.reason("/slow-drip") == "timeout"
    assert hostile_run.seconds < 120, "the hostile run as a whole took too long"
    assert deadline < 10


def test_redirects_to_other_schemes_are_never_followed(hostile_run: HostileRun) -> None:
    for scheme in ("file", "ftp", "data", "javascript"):
        message = hostile_run.result(f"/redirect-to/{scheme}")["error"]
        assert "not followed" in message or "unusable" in message
    assert not hostile_run.server.hits("/pub/secret.txt")


def test_redirect_chain_stops_at_the_limit(hostile_run: HostileRun) -> None:
    hops = hostile_run.server.hits("/redirect-chain/")
    assert 2 <= len(hops) <= 11  # REDIRECT_MAX_TIMES = 10


def test_deep_nesting_ends_with_an_extraction_reason(hostile_run: HostileRun) -> None:
    result = hostile_run.result("/deep-nesting")
    assert result["status"] == "error"
    assert result["error_reason"] in ("no_article_text", "too_short", "unparsable", "timeout")


@pytest.mark.parametrize("path", ["/charset-unknown", "/bom-vs-header", "/invalid-utf8"])
def test_charset_trouble_still_archives_readable_text(hostile_run: HostileRun, path: str) -> None:
    result = hostile_run.result(path)
    assert result["status"] == "new"
    assert "\ufffd" not in (result["title"] or "")


def test_bom_wins_over_the_header(hostile_run: HostileRun) -> None:
    assert hostile_run.result("/bom-vs-header")["title"] == "Café society — naïve résumé"


def test_header_charset_that_lies_is_not_trusted(hostile_run: HostileRun) -> None:
    result = hostile_run.result("/charset-lie")
    assert result["title"] == "Ночные автобусы"


def test_error_page_with_status_200_is_not_a_version(hostile_run: HostileRun) -> None:
    assert hostile_run.result("/soft-404")["status"] == "error"


def test_ads_changing_on_every_fetch_make_no_new_version(
    hostile_run: HostileRun, hostile: HostileServer
) -> None:
    db_url = f"sqlite:///{hostile_run.database}"
    again = newsarchive(db_url, "archive", "--json", "--delay", "0", hostile.url("/ads/story"))
    assert again.code == 0, again.stderr
    assert [r["status"] for r in again.json_lines()] == ["unchanged"]


def test_robots_5xx_and_timeout_mean_not_crawled_for_now(hostile_run: HostileRun) -> None:
    assert hostile_run.reason("/article/x", "robots_500") == "robots_unavailable"
    # A robots.txt that never answers: the page is refused, for the real reason (issue 21).
    assert hostile_run.reason("/article/x", "robots_hang") == "timeout"
    server = hostile_run.server
    assert not server.hits("/article/", "robots_500")
    assert not server.hits("/article/", "robots_hang")


def test_robots_404_means_allow(hostile_run: HostileRun) -> None:
    assert hostile_run.server.hits("/robots.txt", "main")
    assert hostile_run.result("/article/first")["status"] == "new"


def test_huge_robots_txt_is_read_up_to_its_cap(hostile_run: HostileRun) -> None:
    # Its first lines allow /article/; "Disallow: /" after 10 MB of comments is never read.
    assert hostile_run.result("/article/allowed", "robots_huge")["status"] == "new"
    assert hostile_run.reason("/private/x", "robots_huge") == "robots_disallowed"


def test_crawl_delay_spaces_requests_to_the_host(hostile_run: HostileRun) -> None:
    hits = hostile_run.server.hits("", "crawl_delay")
    assert [h.path for h in hits][:1] == ["/robots.txt"]
    assert len(hits) == 4  # robots.txt and the three pages
    times = sorted(h.at for h in hits)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Each request leaves at least the delay after the previous one was answered, so the
    # server, which logs a request before answering it, never sees two closer than that.
    assert min(gaps) >= CRAWL_DELAY, gaps


@pytest.mark.parametrize("path", ["/retry-after/story", "/unavailable/story"])
def test_retry_after_is_waited_out_then_fetched_again(hostile_run: HostileRun, path: str) -> None:
    hits = hostile_run.server.hits(path)
    assert len(hits) == 2
    assert hits[1].at - hits[0].at >= RETRY_AFTER - 0.1
    assert hostile_run.result(path)["status"] == "new"


def test_very_long_url_is_archived_under_a_fixed_size_key(hostile_run: HostileRun) -> None:
    assert hostile_run.result(LONG_PATH)["status"] == "new"
    with sqlite3.connect(hostile_run.database) as db:
        keys = db.execute("SELECT length(url), length(url_hash) FROM articles").fetchall()
    assert (len(hostile_run.server.url(LONG_PATH)), 64) in keys


def test_credentials_are_never_sent_logged_or_stored(hostile_run: HostileRun) -> None:
    assert "s3cret" not in hostile_run.run.stdout + hostile_run.run.stderr
    with sqlite3.connect(hostile_run.database) as db:
        dump = "\n".join(db.iterdump())
    assert "s3cret" not in dump
    assert hostile_run.server.hits("/article/credentials")
    url = hostile_run.server.url("/article/credentials")
    assert hostile_run.results[url]["status"] == "new"
