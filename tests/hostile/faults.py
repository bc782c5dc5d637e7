"""Crash drills shared by the tests and benchmarks/hostile.py: kill -9 loops, SIGTERM, locks."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from .checks import archive_health

REPO = Path(__file__).resolve().parents[2]


def crawl_command(db_url: str, sitemap: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "crawler",
        "--db",
        db_url,
        "--allow-private-network",
        "crawl",
        "--sitemap",
        sitemap,
        "--delay",
        "0",
        "--quiet",
        *extra,
    ]


def start(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start a CLI run in its own process group (so kill -9 takes its extraction workers too)."""
    return subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def versions_so_far(path: Path) -> int:
    try:
        return archive_health(path).versions
    except Exception:  # not created yet, or mid-migration
        return 0


def kill_9_loop(
    db_url: str, path: Path, sitemap: str, kills: int, seed: int = 9, max_wait: float = 4.0
) -> list[float]:
    """Start the crawl and SIGKILL it at a random moment, ``kills`` times; return the moments."""
    chance = random.Random(seed)
    moments = []
    for _ in range(kills):
        process = start(crawl_command(db_url, sitemap))
        before = versions_so_far(path)
        moment = chance.uniform(0.5, max_wait)
        deadline = time.monotonic() + moment
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        moments.append(round(moment, 2))
        if versions_so_far(path) == before and moment > 2 * max_wait:
            break
    return moments


def finish(db_url: str, sitemap: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        crawl_command(db_url, sitemap),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


LOCK_HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """A helper process that holds the database's write lock for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder
