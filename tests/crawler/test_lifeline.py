"""Processes that die with their parent (crawler/lifeline.py); dead owners (crawler/owners.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from crawler.owners import died_on_this_host, new_owner_id, owner_pid

REPO = Path(__file__).resolve().parents[2]

# A parent that starts a child arming its lifeline, prints the child's PID, then waits forever.
# The child (sharing the parent's stdout) prints "ready" once armed, so the parent is killed
# only then: a child slow to start on a loaded machine would otherwise arm it too late.
PARENT = textwrap.dedent(
    """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
    print(child.pid, flush=True)
    time.sleep(600)
    """
)
CHILD = (
    "from crawler.lifeline import die_with_parent; import time; die_with_parent(); "
    "print('ready', flush=True); time.sleep(600)"
)
UNARMED = "import time; print('ready', flush=True); time.sleep(600)"


def _gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        if stat.rpartition(")")[2].split()[0] == "Z":
            return True
        time.sleep(0.05)
    return False


def _orphan_after_kill_9(child_code: str) -> tuple[int, bool]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, child_code], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert parent.stdout.readline() == "ready\n"  # the child has armed its lifeline
    parent.kill()
    parent.wait()
    parent.stdout.close()
    return child, _gone(child, 5)


def test_a_child_with_a_lifeline_dies_with_its_killed_parent() -> None:
    child, gone = _orphan_after_kill_9(CHILD)
    assert gone, f"process {child} outlived its parent"


def test_without_it_the_child_would_be_left_running() -> None:
    child, gone = _orphan_after_kill_9(UNARMED)
    try:
        assert not gone
    finally:
        os.kill(child, signal.SIGKILL)


def test_owner_ids_name_this_host_and_process() -> None:
    mine = new_owner_id()
    assert owner_pid(mine) == os.getpid()
    assert not died_on_this_host(mine)
    ended = subprocess.Popen(["true"])
    ended.wait()
    dead = mine.replace(f":{os.getpid()}:", f":{ended.pid}:")
    assert died_on_this_host(dead)
    assert not died_on_this_host("another-host:1:abc"), "other machines: only expiry tells"
    assert owner_pid("no-pid-here") is None
