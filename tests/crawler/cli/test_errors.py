"""Exit codes: one status per crawl outcome; a bad value in the environment stops early."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crawler.cli import main
from crawler.cli.errors import (
    EXIT_DATABASE_BUSY,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_STORAGE_FULL,
    EXIT_USAGE,
    exit_code_for,
)


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("finished", EXIT_OK),
        ("storage_full", EXIT_STORAGE_FULL),
        ("shutdown", EXIT_STOPPED),
        ("locked", EXIT_LOCKED),
        ("database_busy", EXIT_DATABASE_BUSY),
        ("failed", EXIT_FAILED),
        # Scrapy's other reasons, and a crawl that never told us why, are failures.
        ("failed_to_start", EXIT_FAILED),
        ("closespider_errorcount", EXIT_FAILED),
        ("unknown", EXIT_FAILED),
    ],
)
def test_exit_code_for(reason: str, code: int) -> None:
    assert exit_code_for(reason) == code


def test_the_documented_codes() -> None:
    # README.md lists these; scripts and systemd units depend on them.
    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STORAGE_FULL, EXIT_LOCKED, EXIT_STOPPED) == (
        0,
        1,
        2,
        3,
        6,
        143,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("NEWSARCHIVE_DOWNLOAD_TIMEOUT", "soon"),
        ("NEWSARCHIVE_RETRY_TIMES", "-1"),
        ("NEWSARCHIVE_SQLITE_BUSY_TIMEOUT", "-5"),
        ("NEWSARCHIVE_SQLITE_MAX_PAGES", "many"),
    ],
)
def test_a_bad_value_in_the_environment_is_one_line_and_status_2(variable: str, value: str) -> None:
    result = CliRunner().invoke(main, ["list"], env={variable: value}, prog_name="newsarchive")
    assert result.exit_code == EXIT_USAGE
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"newsarchive: error: {variable}: ")


def test_a_bad_flag_is_one_line_pointing_at_the_help() -> None:
    result = CliRunner().invoke(main, ["--retry-times", "x", "list"], prog_name="newsarchive")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith("newsarchive: error: Invalid value for '--retry-times'")
    assert result.stderr.strip().endswith("(see 'newsarchive --help')")
    assert len(result.stderr.strip().splitlines()) == 1
