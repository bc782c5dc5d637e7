"""Scrapy's own tools work from the repository root (scrapy.cfg points at crawler.settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demosite.server import DemoServer

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


def scrapy_archive(url: str, db_url: str, *settings: str) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl archive` of one URL into ``db_url``, with extra NAME=VALUE settings.

    Scrapy's tools take settings as -s NAME=VALUE; NEWSARCHIVE_* variables are the CLI's.
    """
    options = [
        f"-s{setting}"
        for setting in (
            f"ARCHIVE_DATABASE_URL={db_url}",
            "ARCHIVE_ALLOW_PRIVATE_NETWORK=1",
            *settings,
        )
    ]
    return scrapy("crawl", "archive", "-a", f"urls={url}", *options, "-sLOG_LEVEL=WARNING")


def test_scrapy_list_names_the_spiders() -> None:
    listed = scrapy("list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["archive", "crawl"]


@pytest.mark.slow
def test_scrapy_crawl_archive_writes_to_the_archive(
    news_site: DemoServer, db_url: str, cli: Cli, tmp_path: Path
) -> None:
    url = news_site.url + news_site.site.article_paths()[0]
    crawled = scrapy_archive(url, db_url)
    assert crawled.returncode == 0, crawled.stderr
    shown = cli("show", "--json", url).json_lines()[0]
    assert shown["title"] == news_site.site.expected_title(news_site.site.article_paths()[0])


@pytest.mark.slow
def test_a_crawl_opens_no_remote_control_endpoint(
    news_site: DemoServer, cli: Cli, tmp_path: Path
) -> None:
    # Scrapy 2.19 enables by default an HTTP endpoint that runs Python code sent to it, and
    # announces it with a job file in the user's state directory (removed when it stops; its
    # folder stays).
    state = tmp_path / "state"
    archived = cli.env({"XDG_STATE_HOME": str(state)})(
        "archive", news_site.url + news_site.site.article_paths()[0]
    )
    assert archived.code == 0, archived.stderr
    assert not (state / "scrapy").exists(), "no job file: no endpoint was opened"


@pytest.mark.parametrize(
    ("base", "never_loaded"),
    [
        ("EXTENSIONS_BASE", "NEVER_LOADED_EXTENSIONS"),
        ("DOWNLOADER_MIDDLEWARES_BASE", "NEVER_LOADED_DOWNLOADER_MIDDLEWARES"),
    ],
)
def test_components_are_scrapys_without_the_ones_never_loaded(base: str, never_loaded: str) -> None:
    # crawler.settings lists Scrapy's default extensions and downloader middlewares itself
    # (importing Scrapy there would slow every import of the settings), leaving out those never
    # to be imported; an upgrade of Scrapy that adds or moves one must show here.
    from scrapy.settings import default_settings

    from crawler import settings

    expected = {
        path: order
        for path, order in getattr(default_settings, base).items()
        if path not in getattr(settings, never_loaded)
    }
    assert expected == getattr(settings, base)
