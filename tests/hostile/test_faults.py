"""Faults survived, nothing lost: kill -9, a locked database, a full disk, four writers, SIGTERM."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from demosite.server import DemoServer, serve
from demosite.site import NewsSite

from .checks import archive_health, archived_urls
from .conftest import newsarchive
from .faults import crawl_command, finish, hold_write_lock, kill_9_loop, start, versions_so_far

pytestmark = pytest.mark.slow

ARTICLES = 150


@pytest.fixture(scope="module")
def site() -> Iterator[DemoServer]:
    with serve(NewsSite(articles=ARTICLES)) as server:
        yield server


def expected_urls(site: DemoServer) -> set[str]:
    return {site.url + path for path in site.site.article_paths()}


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "archive.db"
    return f"sqlite:///{path}", path


def test_kill_9_at_random_moments_then_resume_loses_and_doubles_nothing(
    site: DemoServer, database: tuple[str, Path]
) -> None:
    db_url, path = database
    sitemap = site.url + "/sitemap-articles.xml"
    # The archive exists before the first kill: the kills test a crawl, not a migration, and on
    # a busy machine every random moment could otherwise land before the schema is there.
    assert newsarchive(db_url, "db", "upgrade").code == 0
    kill_9_loop(db_url, path, sitemap, kills=4, max_wait=3.0)
    killed_at = archive_health(path)
    assert killed_at.articles < ARTICLES, "the crawl finished before any kill landed"
    done = finish(db_url, sitemap)
    assert done.returncode == 0, done.stderr
    health = archive_health(path)
    assert archived_urls(path) == expected_urls(site)
    assert health.versions == ARTICLES, "an article was archived twice"
    assert health.sound, health


def test_database_locked_longer_than_the_busy_timeout_waits_and_keeps_the_item(
    site: DemoServer, database: tuple[str, Path]
) -> None:
    db_url, path = database
    first, second = (site.url + p for p in site.site.article_paths()[:2])
    assert newsarchive(db_url, "archive", first).code == 0
    holder = hold_write_lock(path, seconds=12)
    try:
        run = newsarchive(
            db_url, "archive", "--json", second, env={"NEWSARCHIVE_SQLITE_BUSY_TIMEOUT": "1"}
        )
    finally:
        holder.wait(30)
        assert holder.stdout is not None
        holder.stdout.close()
    assert run.code == 0, run.stderr
    assert [r["status"] for r in run.json_lines()] == ["new"]
    waits = [line for line in run.stderr.splitlines() if "database is locked" in line]
    assert waits, "the wait was not logged: " + run.stderr[-2000:]
    assert all("retrying" in line for line in waits)
    assert archived_urls(path) == {first, second}


def test_full_disk_stops_with_exit_3_and_resume_completes(
    site: DemoServer, database: tuple[str, Path]
) -> None:
    db_url, path = database
    sitemap = site.url + "/sitemap-articles.xml"
    assert newsarchive(db_url, "archive", site.url + site.site.article_paths()[0]).code == 0
    full = newsarchive(
        db_url,
        "crawl",
        "--sitemap",
        sitemap,
        "--delay",
        "0",
        "--quiet",
        env={"NEWSARCHIVE_SQLITE_MAX_PAGES": "200"},
    )
    assert full.code == 3, full.stderr
    assert "full" in full.stderr.lower()
    assert "Traceback" not in full.stderr, full.stderr[-6000:]
    partial = archive_health(path)
    assert 1 <= partial.articles < ARTICLES
    assert partial.integrity == "ok"
    assert partial.gapped_articles == 0

    resumed = newsarchive(db_url, "crawl", "--sitemap", sitemap, "--delay", "0", "--quiet")
    assert resumed.code == 0, resumed.stderr
    assert archived_urls(path) == expected_urls(site)
    health = archive_health(path)
    assert health.versions == ARTICLES
    assert health.sound, health


def test_four_processes_on_overlapping_urls_never_surface_a_lock(
    site: DemoServer, database: tuple[str, Path]
) -> None:
    db_url, path = database
    paths = site.site.article_paths()[:60]
    assert newsarchive(db_url, "archive", site.url + paths[0]).code == 0  # migrate once
    slices = [paths[i * 10 : i * 10 + 30] for i in range(4)]  # each overlaps its neighbours
    runs = [
        start(
            [
                *crawl_command(db_url, "")[:6],
                "archive",
                "--json",
                "--delay",
                "0",
                *(site.url + p for p in chunk),
            ],
            env={"NEWSARCHIVE_EXTRACT_MEMORY_MB": "1024"},
        )
        for chunk in slices
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, stderr) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, stderr
        assert "database is locked" not in stderr
    assert archived_urls(path) == {site.url + p for p in paths}
    health = archive_health(path)
    assert health.versions == len(paths), "two processes made two versions of one article"
    assert health.sound, health


def test_sigterm_does_not_wait_for_requests_queued_behind_the_host_delay(
    site: DemoServer, database: tuple[str, Path]
) -> None:
    """One host, 1 s apart: finishing every queued request would take minutes, not seconds."""
    db_url, path = database
    sitemap = site.url + "/sitemap-articles.xml"
    process = start(crawl_command(db_url, sitemap, "--delay", "1", "--json"))
    deadline = time.monotonic() + 60
    while versions_so_far(path) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    asked = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    took = time.monotonic() - asked
    assert process.returncode == 143, stderr
    # Waiting for the ~150 queued requests would take minutes; finishing the page in flight,
    # saving and stopping the extraction workers take seconds (more on a loaded machine).
    assert took < 60, f"SIGTERM took {took:.0f} s: it waited for queued requests"
    health = archive_health(path)
    assert health.leased == 0, "leases were not given back: " + stderr[-2000:]
    assert health.articles < 10

    done = finish(db_url, sitemap)
    assert done.returncode == 0, done.stderr
    assert archived_urls(path) == expected_urls(site)


def test_sigterm_finishes_pages_in_flight_saves_state_and_exits_143(
    site: DemoServer, database: tuple[str, Path]
) -> None:
    db_url, path = database
    sitemap = site.url + "/sitemap-articles.xml"
    first_request = len(site.requests)  # the site is shared with the other tests
    process = start(crawl_command(db_url, sitemap, "--json"))
    deadline = time.monotonic() + 60
    while versions_so_far(path) < 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    requested_before = len(site.requests)
    os.kill(process.pid, signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    health = archive_health(path)
    assert health.leased == 0, "leases were not given back: " + stderr[-2000:]
    assert 10 <= health.articles < ARTICLES
    fetched = {site.url + r.path for r in site.requests[first_request:requested_before]}
    fetched &= expected_urls(site)
    assert fetched <= archived_urls(path), "a page fetched before SIGTERM was lost"

    done = finish(db_url, sitemap)
    assert done.returncode == 0, done.stderr
    assert archived_urls(path) == expected_urls(site)
    assert archive_health(path).versions == ARTICLES
