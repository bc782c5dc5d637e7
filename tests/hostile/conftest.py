"""Fixtures for hostile-input and crash-safety tests: the hostile server and the CLI runner."""

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

from demosite.hostile import HostileServer

REPO = Path(__file__).resolve().parents[2]

# Short time limits so each hostile case ends in seconds (sizes keep their defaults); the
# figures in docs/hostile.md use the shipped defaults (benchmarks/hostile.py).
FAST_LIMITS = {
    "NEWSARCHIVE_DOWNLOAD_TIMEOUT": "3",
    "NEWSARCHIVE_RETRY_TIMES": "0",
    "NEWSARCHIVE_EXTRACT_TIMEOUT": "3",
}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def newsarchive(
    db_url: str, *args: str, env: dict[str, str] | None = None, timeout: float = 240
) -> Run:
    """Run the CLI in a subprocess, allowed onto 127.0.0.1 unless ``env`` says otherwise."""
    variables = {
        **os.environ,
        "NEWSARCHIVE_DB": db_url,
        "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=variables,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with HostileServer(bomb_bytes=64 * 1024 * 1024).start() as server:
        yield server
