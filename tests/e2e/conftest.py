"""End-to-end fixtures: the bundled news site on 127.0.0.1, and the CLI run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from demosite.server import DemoServer, serve
from demosite.site import NewsSite

REPO = Path(__file__).resolve().parents[2]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[Any]:
        """One JSON value a line: an object per result, or one array (``history --json``)."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


class Cli:
    """Runs `newsarchive` in a subprocess (Twisted's reactor cannot restart in one process)."""

    def __init__(self, db_url: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.db_url = db_url
        self.cwd = cwd
        self.extra_env = env or {}

    def env(self, variables: dict[str, str]) -> Cli:
        """The same CLI with more environment variables (e.g. NEWSARCHIVE_NOW)."""
        return Cli(self.db_url, self.cwd, {**self.extra_env, **variables})

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 120) -> CliResult:
        env = {
            **os.environ,
            "NEWSARCHIVE_DB": self.db_url,
            "PYTHONUNBUFFERED": "1",
            # The test sites run on 127.0.0.1, which newsarchive refuses unless allowed.
            "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1",
        }
        env.update(self.extra_env)
        done = subprocess.run(
            [sys.executable, "-m", "crawler", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.cwd,
            env=env,
            check=False,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture(autouse=True)
def allow_private_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Crawls started with subprocess directly (kill -9, SIGTERM tests) reach 127.0.0.1 too."""
    monkeypatch.setenv("NEWSARCHIVE_ALLOW_PRIVATE_NETWORK", "1")


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    return Cli(db_url, tmp_path)


@pytest.fixture
def news_site() -> Iterator[DemoServer]:
    with serve(NewsSite(articles=12)) as server:
        yield server
