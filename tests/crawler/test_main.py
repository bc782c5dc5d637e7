"""`python -m crawler`: a process that ran a crawl ends at once, and nothing of its exit is lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# A process as a crawl leaves it (Scrapy loaded, an idle thread pool, a thread still at work,
# an exit handler, output not flushed yet), then a command that exits with status 2.
PROBE = """
import atexit, sys, threading, time, types
from concurrent.futures import ThreadPoolExecutor

sys.modules.setdefault("scrapy", types.ModuleType("scrapy"))
if sys.argv[1] == "without-private-api":
    del atexit._run_exitfuncs  # as on a Python that has no such function


class TornDown:
    def __del__(self):
        print("torn down", flush=True)


kept = TornDown()
pool = ThreadPoolExecutor(1)
pool.submit(lambda: None).result()  # its worker now waits for work


def late():
    time.sleep(0.3)
    print("thread finished")


threading.Thread(target=late).start()
atexit.register(lambda: print("exit handler ran"))
print("buffered", end="")
from crawler.__main__ import main

sys.argv = ["newsarchive", "no-such-command"]
main()
"""


def run_probe(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_a_crawls_process_skips_the_teardown_but_not_its_exit() -> None:
    done = run_probe("as-shipped")
    assert done.returncode == 2, done.stderr
    assert "No such command" in done.stderr
    # Threads joined, then exit handlers run, then output flushed; the interpreter not torn down.
    assert done.stdout == "bufferedthread finished\nexit handler ran\n"


def test_without_the_private_api_the_process_exits_the_normal_way() -> None:
    done = run_probe("without-private-api")
    assert done.returncode == 2, done.stderr
    assert "No such command" in done.stderr
    assert done.stdout.startswith("bufferedthread finished\nexit handler ran\n")
    assert "torn down" in done.stdout  # the normal exit: the interpreter freed its objects


@pytest.mark.parametrize("mode", ["as-shipped", "without-private-api"])
def test_no_exit_handler_runs_twice(mode: str) -> None:
    assert run_probe(mode).stdout.count("exit handler ran") == 1
