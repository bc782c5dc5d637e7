"""One scheduler for good: its lock for its whole life, its rounds die with it, kill -9 included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from demosite.server import DemoServer
from storage import open_archive
from storage.models import Lock

from .conftest import Cli

pytestmark = pytest.mark.slow  # every test here runs whole crawls in subprocesses


def slow_sites(tmp_path: Path, server: DemoServer) -> Path:
    """One site, 3 s between requests: a round takes over 30 s (12 articles)."""
    config = tmp_path / "sites.toml"
    config.write_text(
        f'[[site]]\nname = "gazette"\nfeeds = ["{server.url}/rss.xml"]\ninterval = "30m"\n'
        "delay = 3\n"
    )
    return config


def start_scheduler(db_url: str, config: Path, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """A long-running `schedule`, and its owner id once it holds the lock."""
    service = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--db", db_url, "schedule", "--config", str(config)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"},
    )
    assert service.stderr is not None
    started = service.stderr.readline()
    assert started.startswith("scheduler "), started
    assert " started " in started, started
    return service, started.split()[1]


def children() -> dict[int, int]:
    """{pid: parent pid} of every process on the machine."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            found[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    return found


def descendants(root: int) -> set[int]:
    parents = children()
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return tree - {root}


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists() and not _zombie(pid)}


def _zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return True


def _commands(pids: set[int]) -> list[str]:
    found = []
    for pid in pids:
        try:
            found.append(Path(f"/proc/{pid}/cmdline").read_bytes()[:100].decode(errors="replace"))
        except OSError:
            continue
    return found


def lock_owner(db_url: str) -> str | None:
    with open_archive(db_url) as archive, archive.read() as session:
        return session.scalar(select(Lock.owner).where(Lock.name == "scheduler"))


def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def stop_all() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(30)
        if process.stderr is not None:
            process.stderr.close()


def test_the_lock_is_held_between_rounds_and_a_second_scheduler_exits_6(
    cli: Cli,
    news_site: DemoServer,
    db_url: str,
    tmp_path: Path,
    stop_all: list[subprocess.Popen[str]],
) -> None:
    config = tmp_path / "sites.toml"
    config.write_text(f'[[site]]\nname = "g"\nfeeds = ["{news_site.url}/rss.xml"]\ndelay = 0\n')
    service, owner = start_scheduler(db_url, config, tmp_path)
    stop_all.append(service)
    # The first round runs and ends (the next one's process then waits, ready): the lock
    # stays the scheduler's at every look, during the round and after it.
    owners = set()
    deadline = time.monotonic() + 90
    while not _round_finished(db_url) and time.monotonic() < deadline:
        owners.add(lock_owner(db_url))
        time.sleep(0.3)
    assert _round_finished(db_url), "the first round ended"
    for _ in range(5):
        owners.add(lock_owner(db_url))
        time.sleep(0.3)
    assert owners == {owner}
    started = time.monotonic()
    second = cli("schedule", "--config", str(config))
    assert second.code == 6
    # At once: waiting for the lock to expire would take LOCK_TTL (5 minutes); start-up alone
    # can take several seconds on a loaded machine.
    assert time.monotonic() - started < 60
    assert owner in second.stderr
    assert "another scheduler" in second.stderr
    assert service.poll() is None, "the running scheduler goes on"
    assert lock_owner(db_url) == owner
    service.send_signal(signal.SIGTERM)
    assert service.wait(60) == 143
    assert lock_owner(db_url) is None


def _round_finished(db_url: str) -> bool:
    from storage.models import CrawlRun

    with open_archive(db_url) as archive, archive.read() as session:
        return session.scalar(select(CrawlRun.finished_at).limit(1)) is not None


def test_kill_9_takes_the_round_with_it_and_a_restart_runs_at_once(
    cli: Cli,
    news_site: DemoServer,
    db_url: str,
    tmp_path: Path,
    stop_all: list[subprocess.Popen[str]],
) -> None:
    config = slow_sites(tmp_path, news_site)
    service, owner = start_scheduler(db_url, config, tmp_path)
    stop_all.append(service)
    # Mid-round: the round's process and its extraction fork server and workers are up.
    assert wait_for(lambda: len(alive(descendants(service.pid))) >= 3, 60)
    time.sleep(2)
    tree = alive(descendants(service.pid))
    os.kill(service.pid, signal.SIGKILL)
    service.wait(10)
    killed_at = time.monotonic()
    gone = wait_for(lambda: not alive(tree), 10)
    assert gone, f"still running 10 s after the kill -9: {_commands(alive(tree))}"
    assert time.monotonic() - killed_at < 5
    assert lock_owner(db_url) == owner, "the dead scheduler's lock is still there"
    # A restart right away (as systemd does): the dead holder's lock is taken over.
    restarted, new_owner = start_scheduler(db_url, config, tmp_path)
    stop_all.append(restarted)
    assert new_owner != owner
    assert lock_owner(db_url) == new_owner
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(60) == 143


def test_a_round_whose_scheduler_is_gone_does_not_run(
    cli: Cli, news_site: DemoServer, db_url: str, tmp_path: Path
) -> None:
    # A round handed an owner id whose process is not its parent (it died before the round
    # could arm its lifeline): the round ends at once instead of working unwatched.
    config = slow_sites(tmp_path, news_site)
    dead = subprocess.Popen(["true"])
    dead.wait()
    owner = f"{os.uname().nodename[:30]}:{dead.pid}:deadbeef"
    asked_before = len(news_site.requests)
    round_ = cli("schedule", "--config", str(config), "--once", "--scheduler-owner", owner)
    assert round_.code == -signal.SIGKILL
    # Not a single request to the site (a bound on its time would depend on start-up speed).
    assert news_site.requests[asked_before:] == []
    assert lock_owner(db_url) is None
