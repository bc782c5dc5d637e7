"""WARC export read back by independent tools, and imported into a fresh archive."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from storage import (
    Archive,
    CaptureFailure,
    CaptureResult,
    FetchedPage,
    history,
    open_archive,
    record_failure,
)
from storage.models import Capture as CaptureRow

# trafilatura imports urllib3's optional SOCKS support, which warns when PySocks is missing.
IMPORTING_TRAFILATURA = pytest.mark.filterwarnings("ignore::urllib3.exceptions.DependencyWarning")
T0 = datetime(2026, 11, 20, 10, 0, 0, 250000, tzinfo=UTC)
URL = "https://news.example/world/2026/11/flood.html"
Capture = Callable[..., CaptureResult]
PARAGRAPHS = (
    "Floodwater rose through the lower town overnight, forcing hundreds of families to leave "
    "their homes as the river broke its banks for the second time this year.\n"
    "Emergency crews worked through the night to reinforce barriers near the old bridge, "
    "while volunteers handed out blankets and hot food at the school gymnasium.\n"
    "The mayor said the council would review its flood defences once the water receded, "
    "and asked residents to stay away from the riverside paths until further notice.\n"
)


def build(archive: Archive, capture: Capture) -> None:
    capture(URL, "River floods lower town", PARAGRAPHS, T0)
    # Same bytes again, kept: exported as a revisit of the first record.
    capture(
        URL,
        "River floods lower town",
        PARAGRAPHS,
        T0 + timedelta(hours=1),
        keep_unchanged_body=True,
    )
    edited = PARAGRAPHS + "Correction: the bridge is the new bridge, not the old one.\n"
    capture(URL, "River floods lower town, hundreds evacuated", edited, T0 + timedelta(hours=2))
    failed = FetchedPage(
        URL,
        URL,
        T0 + timedelta(hours=3),
        http_status=503,
        headers={"content-type": "text/html"},
        body=b"<h1>Busy</h1>",
    )
    archive.run_write(lambda s: record_failure(s, failed, CaptureFailure("http_503", "busy")))


def export(cli: Callable[..., Result], path: Path) -> None:
    result = cli("export", "--format", "warc", "--output", path)
    assert result.exit_code == 0, result.output
    assert "3 responses, 1 revisits, 0 redirects, 4 requests" in result.stderr
    # These captures come without their HTTP exchange, as captures made before schema 0012.
    assert "4 with synthesised heads" in result.stderr


def test_warc_export_is_standard(
    archive: Archive, capture: Capture, cli: Callable[..., Result], tmp_path: Path
) -> None:
    build(archive, capture)
    path = tmp_path / "out.warc.gz"
    export(cli, path)
    with path.open("rb") as stream:
        records = [
            (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(stream)
        ]
    kinds = ["warcinfo", "request", "response", "request", "revisit", "request", "response"]
    assert [r[0] for r in records] == [*kinds, "request", "response"]
    assert all(r[1].protocol == "WARC/1.1" for r in records)
    assert b"WARC-Newsarchive-Synthesised" in records[0][3]
    requests, records = records[1::2], [records[0], *records[2::2]]
    assert all(r[1].get_header("WARC-Newsarchive-Synthesised") == "request-head" for r in requests)
    request_line = f"{requests[0][2].protocol} {requests[0][2].statusline}"
    assert request_line == "GET /world/2026/11/flood.html HTTP/1.1"
    assert requests[0][1].get_header("WARC-Concurrent-To") == records[1][1].get_header(
        "WARC-Record-ID"
    )
    _, head, http, body = records[1]
    assert head.get_header("WARC-Newsarchive-Synthesised") == "response-head"
    assert head.get_header("WARC-Target-URI") == URL
    assert head.get_header("WARC-Date") == "2026-11-20T10:00:00.250000Z"
    assert http.get_statuscode() == "200"
    assert http.get_header("Content-Type") == "text/html; charset=utf-8"
    assert http.get_header("Content-Length") == str(len(body))
    assert b"Floodwater rose" in body
    _, revisit, _, _ = records[2]
    assert revisit.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert revisit.get_header("WARC-Refers-To-Target-URI") == URL
    assert revisit.get_header("WARC-Refers-To-Date") == "2026-11-20T10:00:00.250000Z"
    assert revisit.get_header("WARC-Payload-Digest") == head.get_header("WARC-Payload-Digest")
    assert records[4][2].get_statuscode() == "503"
    checked = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.count("digest pass") == 8  # 4 requests, 3 responses, the revisit block


@IMPORTING_TRAFILATURA
def test_import_warc_rebuilds_the_archive(
    archive: Archive, capture: Capture, cli: Callable[..., Result], tmp_path: Path
) -> None:
    build(archive, capture)
    path = tmp_path / "out.warc.gz"
    export(cli, path)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    from click.testing import CliRunner

    from crawler.cli import main
    from crawler.extraction import EXTRACTOR_NAME

    result = CliRunner().invoke(main, ["--db", fresh, "import-warc", "--json", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 changed, 1 error, 1 new, 1 unchanged" in result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(printed) == 4
    for line in printed:  # one object per capture, with the keys it has always had
        assert list(line) == [
            "url", "requested_url", "final_url", "status", "capture_id", "article_id",
            "version", "title", "error_reason", "error",
        ]  # fmt: skip
    with open_archive(fresh) as copy, copy.read() as s:
        versions = history(s, URL)
        assert [(v.version, v.captured_at) for v in versions] == [
            (1, T0),
            (2, T0 + timedelta(hours=2)),
        ]
        assert versions[0].last_confirmed_at == T0 + timedelta(hours=1)
        assert versions[1].title == "River floods lower town, hundreds evacuated"
        assert versions[1].extractor_version.startswith(EXTRACTOR_NAME)
        outcomes = s.execute(
            select(CaptureRow.fetched_at, CaptureRow.outcome, CaptureRow.error_reason).order_by(
                CaptureRow.fetched_at
            )
        ).all()
    assert [tuple(o)[1:] for o in outcomes] == [
        ("new", None),
        ("unchanged", None),
        ("changed", None),
        ("error", "http_503"),
    ]
    assert outcomes[3][0] == T0 + timedelta(hours=3)
