"""The systemd unit in the docs fits the scheduler's lock and exit statuses (docs/deployment.md)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.cli.errors import EXIT_STOPPED, EXIT_USAGE
from crawler.scheduling import LOCK_TTL

REPO = Path(__file__).resolve().parents[1]


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)\s*(ms|s|min|h)?", value)
    assert match, value
    unit = {"ms": 0.001, "s": 1, None: 1, "min": 60, "h": 3600}[match[2]]
    return int(match[1]) * unit


def unit_in(doc: str) -> dict[str, str]:
    text = (REPO / doc).read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```ini\n(.*?)```", text, re.S) if "ExecStart=" in b)
    pairs = (line.split("=", 1) for line in block.splitlines() if re.match(r"^\w+=", line))
    return {key: value.strip() for key, value in pairs}


@pytest.mark.parametrize("doc", ["docs/deployment.md", "README.md"])
def test_the_unit_restarts_long_enough_to_outlast_a_dead_peer_s_lock(doc: str) -> None:
    unit = unit_in(doc)
    assert unit["Restart"] == "on-failure"
    restart = _seconds(unit["RestartSec"])
    window = _seconds(unit["StartLimitIntervalSec"])
    burst = int(unit["StartLimitBurst"])
    assert restart >= 5, "systemd's 100 ms default burns the start limit in a second"
    # Consecutive failing starts (exit 6 while another machine's dead scheduler's lock has not
    # expired) keep being retried until the lock expires, within the limit's window.
    assert timedelta(seconds=restart * burst) >= LOCK_TTL
    assert restart * burst <= window
    assert unit["KillMode"] == "mixed", "SIGTERM to the scheduler only: it stops its round"
    assert unit["SuccessExitStatus"] == str(EXIT_STOPPED)
    assert unit["RestartPreventExitStatus"] == str(EXIT_USAGE)
