"""`newsarchive serve`: registered, documented, and serving on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main
from storage import Archive
from tests.e2e.test_schedule_lifetime import alive, descendants


def test_serve_is_a_documented_command() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "--host" in result.output
    assert "[default: 127.0.0.1]" in result.output
    assert "--workers N|auto" in result.output
    assert "[default: auto]" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def usable_cpus(count: int) -> set[int]:
    """``count`` of the CPUs this process may run on (skips the test if there are fewer)."""
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < count:
        pytest.skip(f"needs {count} usable CPUs, has {len(usable)}")
    return set(usable[:count])


def start_serve(
    db_url: str, *options: str, cpus: set[int] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """A `newsarchive serve` on a free port, answering; the process and its base URL.

    ``cpus``: the CPUs `serve` may run on (its affinity mask, as `taskset` sets it)."""
    port = free_port()
    command = [sys.executable, "-c", "from crawler.cli import main; main()"]
    process = subprocess.Popen(
        [*command, "--db", db_url, "serve", "--port", str(port), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # start-up on a loaded machine
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as answer:
                assert answer.status == 200
                assert answer.headers["x-content-type-options"] == "nosniff"
                assert answer.headers.get("server") is None
                return process, base
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.1)


def test_serve_answers_on_loopback(db_url: str, archive: Archive) -> None:
    """An archive exists (serve, a read-only command, never creates one)."""
    process, base = start_serve(db_url)
    process.terminate()
    _, stderr = process.communicate(timeout=10)
    assert f"on {base}/" in stderr.decode()


def workers_of(process: subprocess.Popen[bytes]) -> set[int]:
    """The worker processes `serve --workers` started (not multiprocessing's tracker)."""
    return {pid for pid in descendants(process.pid) if b"multiprocessing.spawn" in _command(pid)}


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # it ended since it was listed
        return b""


def started_workers(process: subprocess.Popen[bytes], count: int) -> set[int]:
    """The workers, once ``count`` of them run (a worker that was just forked still shows its
    parent's command line until it has executed the interpreter)."""
    deadline = time.monotonic() + 15
    while len(workers := workers_of(process)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return workers


def wait_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + 15
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def test_serve_with_workers_answers_from_each_and_stops_with_them(
    db_url: str, archive: Archive
) -> None:
    process, base = start_serve(db_url, "--workers", "2")
    try:
        workers = started_workers(process, 2)
        assert len(workers) == 2
        for _ in range(20):  # new connections, spread over the workers by the kernel
            with urllib.request.urlopen(base + "/api/sites", timeout=10) as answer:
                assert answer.status == 200
        assert workers_of(process) == workers  # none died and was replaced
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    assert f"on {base}/" in stderr.decode()
    assert wait_gone(workers) == set()


def test_serve_by_default_starts_a_worker_per_usable_cpu_and_they_end_when_it_is_killed(
    db_url: str, archive: Archive
) -> None:
    """No --workers: as many processes as CPUs it may use (two here), all gone after kill -9."""
    process, base = start_serve(db_url, cpus=usable_cpus(2))
    try:
        workers = started_workers(process, 2)
        with urllib.request.urlopen(base + "/api/sites", timeout=10) as answer:
            assert answer.status == 200
        tree = descendants(process.pid)  # the workers and multiprocessing's resource tracker
    finally:
        process.kill()  # kill -9: no chance to stop its workers itself
        _, stderr = process.communicate(timeout=10)
    assert len(workers) == 2
    assert f"on {base}/ (2 processes;" in stderr.decode()
    assert wait_gone(tree) == set()


@pytest.mark.parametrize(
    ("cpus", "options"),
    [(1, ()), (2, ("--workers", "1"))],
    ids=["default-on-one-cpu", "workers-1-on-two-cpus"],
)
def test_serve_answers_from_its_own_process_on_one_cpu_or_with_workers_1(
    db_url: str, archive: Archive, cpus: int, options: tuple[str, ...]
) -> None:
    process, base = start_serve(db_url, *options, cpus=usable_cpus(cpus))
    try:
        with urllib.request.urlopen(base + "/api/sites", timeout=10) as answer:
            assert answer.status == 200
        assert workers_of(process) == set()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert f"on {base}/ (1 process;" in stderr.decode()


@pytest.mark.parametrize("workers", ["0", "65", "two"])
def test_serve_refuses_a_worker_count_it_cannot_use(workers: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--workers", workers])
    assert result.exit_code == 2
    assert "--workers" in result.output
