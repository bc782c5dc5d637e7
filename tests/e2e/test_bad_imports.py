"""Bad records from outside: each skipped with its line number or offset and why, the rest stored.

The real `newsarchive import-jsonl`, `import-warc` and `archive --from-file` in subprocesses,
on real files (WARCs written by warcio and by wget).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from demosite.hostile import HostileServer
from demosite.server import serve
from demosite.site import NewsSite

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
    assert "line 9" not in done.stderr  # a comment
    assert "line 10" not in done.stderr  # a blank line
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["url"] for r in results) == sorted(
        server.url(f"/article/story{n}") for n in (0, 4, 7)
    )
    assert {r["status"] for r in results} == {"new"}


def _articles(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "archive.db") as connection:
        return [row[0] for row in connection.execute("SELECT url FROM articles ORDER BY url")]


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed")
def test_import_warc_of_a_truncated_wget_warc_gz(tmp_path: Path) -> None:
    """A WARC written by `wget --warc-file` from a local site, cut inside its last pages."""
    with serve(NewsSite(articles=4)) as site:
        urls = [site.url + path for path in site.site.article_paths()]
        subprocess.run(
            ["wget", "--no-config", "-q", "-e", "robots=off", "--no-proxy",
             f"--warc-file={tmp_path / 'site'}", "-O", os.devnull, *urls],
            check=True, timeout=60, cwd=tmp_path,
        )  # fmt: skip
    whole = (tmp_path / "site.warc.gz").read_bytes()
    (tmp_path / "cut.warc.gz").write_bytes(whole[: len(whole) * 2 // 3])
    done = newsarchive(tmp_path, "import-warc", "cut.warc.gz")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    [problem] = [line for line in done.stderr.splitlines() if " offset " in line]
    offset = int(problem.split(" offset ")[1].split(":")[0])
    assert 0 < offset < len(whole) * 2 // 3
    assert problem.endswith("the file ends inside this gzip member (cut short); skipped")
    cut_articles = _articles(tmp_path)
    assert 1 <= len(cut_articles) < 4
    assert set(cut_articles) <= set(urls)
    again = newsarchive(tmp_path, "import-warc", str(tmp_path / "site.warc.gz"))
    assert again.returncode == 0, again.stderr
    assert sorted(_articles(tmp_path)) == sorted(urls)


def _warc_record(writer: WARCWriter, url: str, body: bytes) -> None:
    fields = [("Content-Type", "text/html"), ("Content-Length", str(len(body)))]
    head = StatusAndHeaders("200 OK", fields, protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=head
        )
    )


def test_import_warc_with_an_absurd_length_and_a_broken_record(tmp_path: Path) -> None:
    """What is readable is imported; each broken record is named by its offset; exit 1."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    offsets = []
    for number in range(4):
        offsets.append(buffer.tell())
        text = f"Story {number} of the day. " + "The council met and decided. " * 20
        body = (
            f"<html><head><title>Story {number}</title></head><body><article>"
            f"<h1>Story {number}</h1><p>{text}</p></article></body></html>"
        )
        _warc_record(writer, f"https://news.example/story{number}", body.encode())
    data = buffer.getvalue()
    at = data.index(b"Content-Length: ", offsets[1])  # the second record's length: absurd
    data = data[:at] + b"Content-Length: 98765432109876" + data[data.index(b"\r\n", at) :]
    shift = len(data) - len(buffer.getvalue())
    middle = offsets[2] + shift + 12  # the third record: its headers overwritten
    data = data[:middle] + b"\x00\x01 junk \xff" * 8 + data[middle + 80 :]
    (tmp_path / "mixed.warc").write_bytes(data)
    done = newsarchive(tmp_path, "import-warc", "mixed.warc")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if " offset " in line]
    assert problems[0].startswith(
        f"newsarchive: mixed.warc offset {offsets[1]}: Content-Length 98765432109876 goes past"
    )
    assert problems[1].startswith(f"newsarchive: mixed.warc offset {offsets[2] + shift}: ")
    assert len(problems) == 2
    assert "unreadable: 2" in done.stderr
    assert _articles(tmp_path) == ["https://news.example/story0", "https://news.example/story3"]


def test_import_warc_of_garbage_creates_nothing_usable_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "noise.warc.gz").write_bytes(bytes(range(256)) * 40)
    done = newsarchive(tmp_path, "import-warc", "noise.warc.gz")
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "newsarchive: noise.warc.gz offset 0: not a WARC record (no WARC/1.x line); skipped",
        "imported: nothing; skipped: none; unreadable: 1",
    ]


@pytest.mark.slow
def test_archive_from_a_100000_line_file(tmp_path: Path) -> None:
    """A long list with one bad line deep inside: that line is named, the rest archived."""
    with HostileServer(bomb_bytes=1024).start() as server:
        lines = [b"# exported list, one URL a line"] * 100_000
        lines[10] = server.url("/article/first").encode()
        lines[77_776] = b"https://news.example/\x00broken"
        lines[99_999] = server.url("/article/last").encode()
        (tmp_path / "big.txt").write_bytes(b"\n".join(lines) + b"\n")
        done = newsarchive(
            tmp_path, "--allow-private-network", "archive", "--json", "--from-file", "big.txt"
        )
    assert done.returncode == 1, done.stderr
    assert "big.txt line 77777: the line holds a NUL character; skipped" in done.stderr
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert sorted(r["url"] for r in results) == sorted(
        server.url(f"/article/{name}") for name in ("first", "last")
    )
