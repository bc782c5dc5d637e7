"""Bad records from outside: each skipped with its line number and reason, the rest stored.

The real `newsarchive import-jsonl` and `archive --from-file` in subprocesses, on real files.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from demosite.hostile import HostileServer

REPO = Path(__file__).resolve().parents[2]
GOOD = {"version": 1, "captured_at": "2026-01-01T00:00:00Z", "text": "Words of the story."}


def newsarchive(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEWSARCHIVE_DB": "sqlite:///archive.db"}
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_jsonl_skips_each_bad_record_with_its_line(tmp_path: Path) -> None:
    bad: list[dict[str, object]] = [
        {"authors": "Jane Doe"},
        {"authors": 5},
        {"title": []},
        {"url": 12345},
        {"version": True},
        {"text": "lone \ud800 surrogate"},
    ]
    lines = [json.dumps({"url": "https://example.com/good0", **GOOD})]
    for number, change in enumerate(bad):
        lines.append(json.dumps({"url": f"https://example.com/bad{number}", **GOOD, **change}))
    lines.append("{not json")
    lines.append(json.dumps({"url": "https://example.com/good1", **GOOD}))
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    done = newsarchive(tmp_path, "import-jsonl", "in.jsonl")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    for line in range(2, 9):
        assert f"in.jsonl line {line}: " in done.stderr
    assert "line 2: authors must be a list of strings, not a string" in done.stderr
    assert "line 5: url must be a string, not a number" in done.stderr
    assert "line 6: version must be a whole number from 1" in done.stderr
    assert "line 7: text holds a lone surrogate" in done.stderr
    assert "imported 2 versions (2 new articles); 0 already archived; 7 skipped" in done.stdout
    with sqlite3.connect(tmp_path / "archive.db") as connection:
        urls = [row[0] for row in connection.execute("SELECT url FROM articles ORDER BY url")]
        authors = connection.execute("SELECT DISTINCT authors FROM versions").fetchall()
    assert urls == ["https://example.com/good0", "https://example.com/good1"]
    assert authors == [("[]",)]  # nothing stored as a list of letters


@pytest.mark.slow
def test_archive_from_file_skips_a_malformed_line(tmp_path: Path) -> None:
    """Lines that are no URL: each reported with its number and why, the rest archived, exit 1."""
    with HostileServer(bomb_bytes=1024).start() as server:
        lines = [server.url(f"/article/story{n}").encode() for n in range(8)]
        lines[1] = b"\xff\xfe not utf-8"
        lines[2] = b"ftp://not-a-web-page/"
        lines[3] = b"just some words"
        lines[5] = b"http://example.com/" + b"a" * 20000
        lines[6] = b"\x00\x01\x02binary\x7f"
        (tmp_path / "urls.txt").write_bytes(b"\n".join(lines) + b"\n# a comment\n\n")
        done = newsarchive(
            tmp_path, "--allow-private-network", "archive", "--json", "--from-file", "urls.txt"
        )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "urls.txt line 2: not UTF-8 (byte 1); skipped" in done.stderr
    assert "urls.txt line 3: unsupported scheme ftp: (only http and https are fetched)" in (
        done.stderr
    )
    assert "urls.txt line 4: not an absolute http(s) URL" in done.stderr
    assert "urls.txt line 6: longer than 16384 characters; skipped" in done.stderr
    assert "urls.txt line 7: the line holds a NUL character; skipped" in done.stderr
    assert "line 9" not in done.stderr and "line 10" not in done.stderr  # comment, blank
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["url"] for r in results) == sorted(
        server.url(f"/article/story{n}") for n in (0, 4, 7)
    )
    assert {r["status"] for r in results} == {"new"}
