"""`import-jsonl` killed with kill -9 mid-import: every committed batch kept, nothing half-written.

The real command in a subprocess, on a real file of generated versions (benchmarks/
scale_archive.py). It is killed once it reports its first batch committed; the archive must then
hold whole batches only, with its search index, its trigger and its per-site counters agreeing
with its rows, and running the same command again must finish the import as one uninterrupted
run does.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.scale_archive import COMMON_WORD, export_records
from storage.export import write_jsonl

REPO = Path(__file__).resolve().parents[2]
BATCH = 2_000  # crawler/cli/transfer.py IMPORT_BATCH
VERSIONS = 4 * BATCH


def _command(db: Path, source: Path) -> list[str]:
    return [sys.executable, "-m", "crawler", "--db", f"sqlite:///{db}", "import-jsonl", str(source)]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _state(db: Path) -> tuple[object, ...]:
    """What a user can see: rows, search hits, counters; checks the index against the rows."""
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO versions_fts (versions_fts, rank) VALUES ('integrity-check', 1)"
        )
        versions = connection.execute(
            "SELECT count(*), coalesce(sum(length(text)), 0) FROM versions"
        ).fetchone()
        hits = connection.execute(
            "SELECT count(*) FROM versions_fts WHERE versions_fts MATCH ?", (COMMON_WORD,)
        ).fetchone()
        counted = connection.execute(
            "SELECT coalesce(sum(version_count), 0), count(*) FROM articles"
        ).fetchone()
        kept = connection.execute(
            "SELECT coalesce(sum(version_count), 0), coalesce(sum(article_count), 0) FROM sites"
        ).fetchone()
        trigger = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'versions_fts_after_insert'"
        ).fetchone()
    assert counted == kept  # the per-site counters agree with the rows
    return (*versions, *hits, *counted, *trigger)


@pytest.mark.slow
def test_a_killed_import_keeps_whole_batches_and_resumes(tmp_path: Path) -> None:
    source = tmp_path / "versions.jsonl"
    with source.open("w", encoding="utf-8") as out:
        write_jsonl(export_records(VERSIONS, seed=3), out)
    whole = tmp_path / "whole.db"
    subprocess.run(_command(whole, source), env=_environment(), check=True, capture_output=True)

    killed = tmp_path / "killed.db"
    process = subprocess.Popen(
        _command(killed, source), env=_environment(), stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith(f"[{BATCH}] imported"):
            break  # the first batch is committed; the second is being written
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stderr.close()

    interrupted = _state(killed)
    versions = interrupted[0]
    assert isinstance(versions, int)
    assert versions % BATCH == 0, versions  # whole batches only
    assert BATCH <= versions < VERSIONS, versions
    assert interrupted[-1] == 1  # the search index's trigger is in place
    rerun = subprocess.run(
        _command(killed, source), env=_environment(), capture_output=True, text=True, check=True
    )
    assert f"{versions} already archived" in rerun.stdout
    assert _state(killed) == _state(whole)
