"""`newsarchive crawl` over a realistic local news site: exact sets, traps, resume after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from demosite.server import DemoServer, serve
from demosite.site import NewsSite
from storage import open_archive
from storage.models import Article, Version

from .conftest import Cli

pytestmark = pytest.mark.slow  # every test here runs whole crawls in subprocesses

ARTICLES = 55


@pytest.fixture
def big_site() -> Iterator[DemoServer]:
    with serve(NewsSite(articles=ARTICLES)) as server:
        yield server


def archived_urls(db_url: str) -> list[str]:
    with open_archive(db_url) as archive, archive.read() as session:
        return list(session.scalars(select(Article.url)))


def version_count(db_url: str) -> int:
    with open_archive(db_url) as archive, archive.read() as session:
        return session.scalar(select(func.count()).select_from(Version)) or 0


def test_site_crawl_archives_exactly_the_articles(
    cli: Cli, big_site: DemoServer, db_url: str
) -> None:
    result = cli("crawl", "--site", big_site.url + "/", "--delay", "0", "--json")
    assert result.code == 0, result.stderr
    summary = result.json_lines()[-1]
    expected = {big_site.url + path for path in big_site.site.article_paths()}
    archived = archived_urls(db_url)
    assert sorted(archived) == sorted(expected), "every article once, and nothing else"
    assert summary["new_articles"] == ARTICLES
    assert summary["discovered"] > ARTICLES
    paths = [r.path for r in big_site.requests]
    assert not any(p.startswith("/private/") for p in paths), "robots.txt disallowed path fetched"
    assert summary["skipped"].get("robots_disallowed", 0) >= 1
    assert sum(p.startswith("/calendar/") for p in paths) == 0, "the calendar trap was entered"
    assert summary["skipped"].get("calendar_trap", 0) > 0

    # The same crawl again: nothing is refetched (seeds were read within their interval).
    before = len(big_site.requests)
    again = cli("crawl", "--site", big_site.url + "/", "--delay", "0", "--json")
    assert again.code == 0, again.stderr
    assert again.json_lines()[-1]["new_articles"] == 0
    refetched = [r.path for r in big_site.requests[before:] if r.path != "/robots.txt"]
    assert refetched == []
    assert version_count(db_url) == ARTICLES


def test_feed_crawl_with_since_skips_old_entries(
    cli: Cli, big_site: DemoServer, db_url: str
) -> None:
    site = big_site.site
    newest = sorted((site.article(n) for n in range(1, ARTICLES + 1)), key=lambda a: a.published)
    cutoff = newest[-5].published - timedelta(seconds=1)
    result = cli(
        "crawl",
        "--feed",
        big_site.url + "/rss.xml",
        "--since",
        cutoff.isoformat(),
        "--json",
        "--delay",
        "0",
    )
    assert result.code == 0, result.stderr
    summary = result.json_lines()[-1]
    assert summary["new_articles"] == 5
    assert summary["skipped"]["older_than_since"] == 15  # the feed lists the newest 20
    fetched = {r.path for r in big_site.requests}
    for article in newest[:-5]:
        assert article.path not in fetched, "an old article was fetched despite --since"


def test_news_sitemap_crawl(cli: Cli, big_site: DemoServer, db_url: str) -> None:
    result = cli("crawl", "--sitemap", big_site.url + "/sitemap.xml", "--json", "--delay", "0")
    assert result.code == 0, result.stderr
    assert sorted(archived_urls(db_url)) == sorted(
        big_site.url + p for p in big_site.site.article_paths()
    )


def test_crawl_resumes_after_kill_9(
    cli: Cli, big_site: DemoServer, db_url: str, tmp_path: Path
) -> None:
    command = [
        sys.executable,
        "-m",
        "crawler",
        "--db",
        db_url,
        "crawl",
        "--sitemap",
        big_site.url + "/sitemap-articles.xml",
        "--delay",
        "0.1",
    ]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and version_count_safe(db_url) < 10:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = set(archived_urls(db_url))
    assert 10 <= len(first) < ARTICLES, "the kill did not land mid-crawl"

    before = len(big_site.requests)
    result = cli(
        "crawl", "--sitemap", big_site.url + "/sitemap-articles.xml", "--delay", "0", "--json"
    )
    assert result.code == 0, result.stderr
    assert sorted(archived_urls(db_url)) == sorted(
        big_site.url + p for p in big_site.site.article_paths()
    )
    assert version_count(db_url) == ARTICLES, "no duplicate versions after the resume"
    refetched = {big_site.url + r.path for r in big_site.requests[before:]}
    assert len(first & refetched) <= 2, "finished articles were fetched again"


def version_count_safe(db_url: str) -> int:
    try:
        return version_count(db_url)
    except Exception:  # the database may not exist yet
        return 0


def test_sites_config_errors_name_file_line_and_key(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "sites.toml"
    config.write_text(
        '[[site]]\nname = "good"\nfeeds = ["https://example.com/rss.xml"]\n\n'
        '[[site]]\nname = "bad"\nfeeds = ["https://example.com/rss.xml"]\ninterval = "soon"\n'
    )
    result = cli("crawl", "bad", "--config", str(config))
    assert result.code == 1
    assert f"{config}:8: key 'interval'" in result.stderr
    assert "Traceback" not in result.stderr
