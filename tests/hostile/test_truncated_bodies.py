"""A body cut off in transit is a failed capture (`truncated_body`), never a shorter version.

A real `newsarchive archive` against the hostile server's raw sockets, which close the
connection two thirds into a gzip stream (with and without a Content-Length) or a chunked body.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from demosite.hostile import HostileServer

from .conftest import FAST_LIMITS, newsarchive

pytestmark = pytest.mark.slow

CUT_PATHS = ["/cut-gzip", "/cut-gzip-length", "/cut-chunks", "/short-body"]


def versions(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM versions").fetchone()[0])


def test_every_cut_body_is_a_truncated_body_capture(hostile: HostileServer, tmp_path: Path) -> None:
    database = tmp_path / "archive.db"
    urls = [hostile.url(path) for path in CUT_PATHS]
    run = newsarchive(
        f"sqlite:///{database}", "archive", "--json", "--delay", "0", *urls, env=FAST_LIMITS
    )
    results = {r["url"]: r for r in run.json_lines()}
    assert run.code == 1, run.stderr
    for url in urls:
        assert results[url]["status"] == "error", results[url]
        assert results[url]["error_reason"] == "truncated_body", results[url]
    assert versions(database) == 0
    with sqlite3.connect(database) as connection:
        reasons = connection.execute("SELECT DISTINCT error_reason FROM captures").fetchall()
    assert reasons == [("truncated_body",)]


def test_a_cut_refetch_is_not_an_edit(hostile: HostileServer, tmp_path: Path) -> None:
    """Whole, then cut, then whole again: one version, and no edit recorded either way."""
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    url = hostile.url("/cut-second/story")
    outcomes = []
    for _fetch in range(3):
        run = newsarchive(db_url, "archive", "--json", url, env=FAST_LIMITS)
        outcomes.append((run.json_lines()[0]["status"], run.json_lines()[0]["error_reason"]))
    assert outcomes == [("new", None), ("error", "truncated_body"), ("unchanged", None)]
    assert versions(tmp_path / "archive.db") == 1
