"""Scrapy's own tools work from the repository root (scrapy.cfg points at crawler.settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crawler.demo.server import DemoServer

from .conftest import REPO, Cli


def scrapy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_scrapy_list_names_the_spiders() -> None:
    listed = scrapy("list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["archive", "crawl"]


def test_scrapy_crawl_archive_writes_to_the_archive(
    news_site: DemoServer, db_url: str, cli: Cli, tmp_path: Path
) -> None:
    url = news_site.url + news_site.site.article_paths()[0]
    crawled = scrapy(
        "crawl",
        "archive",
        "-a",
        f"urls={url}",
        "-s",
        "ARCHIVE_ALLOW_PRIVATE_NETWORK=1",
        "-s",
        "LOG_LEVEL=WARNING",
        env={"NEWSARCHIVE_DB": db_url},
    )
    assert crawled.returncode == 0, crawled.stderr
    shown = cli("show", "--json", url).json_lines()[0]
    assert shown["title"] == news_site.site.expected_title(news_site.site.article_paths()[0])
