"""Flags and NEWSARCHIVE_* variables reach the crawl's Scrapy settings, and a round's process."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.cli.app import Context
from crawler.config import CrawlConfig
from storage.database import DEFAULT_DATABASE_URL, DEFAULT_SQLITE_BUSY_TIMEOUT


def _context(*args: str, env: dict[str, str] | None = None) -> Context:
    """The Context the global options make, seen from a command that only captures it."""
    seen: list[Context] = []

    @main.command(name="capture-context")
    @click.pass_obj
    def capture(obj: Context) -> None:
        seen.append(obj)

    try:
        result = CliRunner().invoke(main, [*args, "capture-context"], env=env or {})
    finally:
        main.commands.pop("capture-context")
    assert result.exit_code == 0, result.output
    return seen[0]


def test_defaults_come_from_crawler_settings() -> None:
    settings = _context(env={"NEWSARCHIVE_DB": ""}).crawl_config().scrapy_settings()
    assert settings.get("ARCHIVE_DATABASE_URL") == DEFAULT_DATABASE_URL
    assert settings.getfloat("DOWNLOAD_TIMEOUT") == 30.0
    assert settings.getint("RETRY_TIMES") == 2
    assert settings.getfloat("ARCHIVE_SQLITE_BUSY_TIMEOUT") == DEFAULT_SQLITE_BUSY_TIMEOUT


@pytest.mark.parametrize(
    ("variable", "value", "setting", "expected"),
    [
        ("NEWSARCHIVE_DOWNLOAD_TIMEOUT", "3", "DOWNLOAD_TIMEOUT", 3.0),
        ("NEWSARCHIVE_DOWNLOAD_MAXSIZE", "1000", "DOWNLOAD_MAXSIZE", 1000),
        ("NEWSARCHIVE_RETRY_TIMES", "0", "RETRY_TIMES", 0),
        ("NEWSARCHIVE_EXTRACT_TIMEOUT", "4.5", "ARCHIVE_EXTRACT_TIMEOUT", 4.5),
        ("NEWSARCHIVE_EXTRACT_MEMORY_MB", "512", "ARCHIVE_EXTRACT_MEMORY_MB", 512),
        ("NEWSARCHIVE_LEASE_SECONDS", "6", "ARCHIVE_LEASE_SECONDS", 6.0),
        ("NEWSARCHIVE_ROBOTSTXT_CACHE_SECONDS", "0", "ARCHIVE_ROBOTSTXT_CACHE_SECONDS", 0.0),
        ("NEWSARCHIVE_SQLITE_BUSY_TIMEOUT", "1", "ARCHIVE_SQLITE_BUSY_TIMEOUT", 1.0),
        ("NEWSARCHIVE_SQLITE_MAX_PAGES", "200", "ARCHIVE_SQLITE_MAX_PAGES", 200),
        ("NEWSARCHIVE_DB", "sqlite:///x.db", "ARCHIVE_DATABASE_URL", "sqlite:///x.db"),
        ("NEWSARCHIVE_RENDER_TIMEOUT", "7", "ARCHIVE_RENDER_TIMEOUT", 7.0),
        ("NEWSARCHIVE_CHROMIUM", "/opt/chrome", "ARCHIVE_RENDER_CHROMIUM", "/opt/chrome"),
    ],
)
def test_a_variable_reaches_its_setting(
    variable: str, value: str, setting: str, expected: object
) -> None:
    settings = _context(env={variable: value}).crawl_config().scrapy_settings()
    assert settings[setting] == expected


def test_the_contact_goes_into_the_user_agent() -> None:
    settings = _context(env={"NEWSARCHIVE_CONTACT": "mailto:ops@example.org"}).crawl_config()
    assert settings.scrapy_settings()["USER_AGENT"].endswith("+mailto:ops@example.org)")


def test_a_flag_wins_over_the_environment() -> None:
    context = _context("--retry-times", "5", env={"NEWSARCHIVE_RETRY_TIMES": "0"})
    assert context.crawl_config().scrapy_settings().getint("RETRY_TIMES") == 5


def test_a_round_process_gets_the_same_global_options() -> None:
    parent = _context(
        "--db",
        "sqlite:///a.db",
        "-v",
        "--allow-private-network",
        env={"NEWSARCHIVE_LEASE_SECONDS": "6", "NEWSARCHIVE_SQLITE_MAX_PAGES": "200"},
    )
    arguments = parent.global_arguments()
    assert "NEWSARCHIVE" not in " ".join(arguments)
    child = _context(*arguments, env={"NEWSARCHIVE_DB": ""})
    assert child == parent
    assert child.config.lease_seconds == 6.0


def test_unset_options_keep_crawler_settings() -> None:
    assert CrawlConfig().scrapy_settings().getint("ARCHIVE_EXTRACT_MEMORY_MB") == 1024
