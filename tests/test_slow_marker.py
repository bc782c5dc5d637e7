"""The `slow` guard of tests/conftest.py: a test not marked slow cannot start a whole crawl."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest

PY = sys.executable

CRAWLS = [
    [PY, "-m", "crawler", "--db", "sqlite:///a.db", "crawl", "--site", "http://127.0.0.1:1/"],
    [PY, "-m", "crawler", "--allow-private-network", "archive", "http://127.0.0.1:1/a"],
    [PY, "-m", "crawler", "revisit", "--all"],
    [PY, "-m", "crawler", "schedule", "--config", "sites.toml"],
    [PY, "-c", "from crawler.cli import main; main()", "crawl", "--site", "x"],
    ["/usr/local/bin/newsarchive", "archive", "http://127.0.0.1:1/a"],
    [PY, "-m", "scrapy", "crawl", "archive", "-a", "urls=http://127.0.0.1:1/a"],
    [PY, "-m", "demosite"],
    ["make", "demo"],
    f"{PY} -m crawler crawl --site http://127.0.0.1:1/",
]
NOT_CRAWLS = [
    [PY, "-m", "crawler", "--db", "sqlite:///tmp/archive.db", "show", "--json", "URL"],
    [PY, "-m", "crawler", "migrate-db", "--help"],
    [PY, "-m", "scrapy", "list"],
    [PY, "-m", "demosite.server", "--articles", "5", "--port", "0"],
    [PY, "-m", "demosite.hostile"],
    [PY, "-c", "import sqlite3; print('crawl')", "archive"],
    ["make", "lint"],
    [],
]


@pytest.mark.parametrize("command", CRAWLS)
def test_crawl_command_lines_are_recognised(
    crawl_command_check: Callable[[object], bool], command: list[str] | str
) -> None:
    assert crawl_command_check(command)


@pytest.mark.parametrize("command", NOT_CRAWLS)
def test_other_command_lines_are_not_crawls(
    crawl_command_check: Callable[[object], bool], command: list[str]
) -> None:
    assert not crawl_command_check(command)


def test_a_test_not_marked_slow_cannot_start_a_crawl() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"not marked slow.*pytest\.mark\.slow"):
        subprocess.run([PY, "-m", "crawler", "crawl", "--site", "http://127.0.0.1:1/"], check=False)


def test_a_test_not_marked_slow_may_start_other_processes() -> None:
    done = subprocess.run([PY, "-c", "print('ok')"], capture_output=True, text=True, check=True)
    assert done.stdout == "ok\n"


@pytest.mark.slow
def test_the_guard_lets_a_slow_test_start_a_crawl_process() -> None:
    # `--help` after the command: the crawl's code path is reached, but no crawl runs.
    done = subprocess.run(
        [PY, "-m", "crawler", "crawl", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--site" in done.stdout
