"""WARC records that carry history: identical bodies, revisits across files, redirect chains."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from demosite.server import serve
from demosite.site import NewsSite
from storage import (
    Archive,
    ArticleContent,
    CaptureFailure,
    FetchedPage,
    history,
    record_capture,
    record_failure,
)
from storage.capture_http import CaptureHttp
from storage.models import Capture as CaptureRow
from storage.warc import payload_digest, warc_date
from tests.storage.conftest import T0, html_page
from tests.storage.test_warc import IMPORTING_TRAFILATURA, PARAGRAPHS, URL

IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def fetched(body: bytes, hours: int) -> FetchedPage:
    head = (("Content-Type", "text/html; charset=utf-8"), ("Server", "test"))
    http = CaptureHttp(response_headers=head, payload_sha256=hashlib.sha256(body).hexdigest())
    at = T0 + timedelta(hours=hours)
    return FetchedPage(URL, URL, at, 200, {"content-type": "text/html"}, body, http=http)


def test_an_unchanged_fetch_of_the_same_bytes_is_an_identical_payload_revisit(
    archive: Archive, cli: Callable[..., Result], tmp_path: Path
) -> None:
    body = html_page("River floods lower town", PARAGRAPHS)
    content = ArticleContent(text=PARAGRAPHS, title="River floods lower town", extractor="t")
    for hours in (0, 1):
        page = fetched(body, hours)
        archive.run_write(partial(record_capture, page=page, content=content))
    with archive.read() as session:
        kept = session.scalars(select(CaptureRow.raw_body_sha256).order_by(CaptureRow.id)).all()
    assert kept == [hashlib.sha256(body).hexdigest()] * 2  # pointed at, not stored twice
    path = tmp_path / "out.warc.gz"
    assert cli("export", "--format", "warc", "-o", path).exit_code == 0
    with path.open("rb") as stream:
        records = [r.rec_headers for r in ArchiveIterator(stream) if r.rec_type == "revisit"]
    assert [r.get_header("WARC-Profile") for r in records] == [IDENTICAL]
    assert records[0].get_header("WARC-Refers-To-Date") == warc_date(T0)
    assert records[0].get_header("WARC-Newsarchive-Synthesised") is None


def one_record_warc(path: Path, record_type: str, body: bytes, hours: int) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
            protocol="HTTP/1.1",
        )
        date = {"WARC-Date": warc_date(T0 + timedelta(hours=hours))}
        digest = payload_digest(hashlib.sha256(body).hexdigest())
        if record_type == "revisit":
            record = writer.create_revisit_record(
                URL, digest, URL, warc_date(T0), http_headers=http, warc_headers_dict=date
            )
        else:
            record = writer.create_warc_record(
                URL,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict={**date, "WARC-Payload-Digest": digest},
            )
        writer.write_record(record)


@IMPORTING_TRAFILATURA
def test_a_revisit_of_a_payload_in_an_earlier_warc_confirms_the_stored_version(
    archive: Archive, cli: Callable[..., Result], tmp_path: Path
) -> None:
    body = html_page("River floods lower town", PARAGRAPHS)
    one_record_warc(tmp_path / "first.warc.gz", "response", body, 0)
    one_record_warc(tmp_path / "second.warc.gz", "revisit", body, 5)
    assert cli("import-warc", tmp_path / "first.warc.gz").exit_code == 0
    second = cli("import-warc", tmp_path / "second.warc.gz")
    assert second.exit_code == 0, second.output
    assert "revisit_of_unknown_payload" not in second.stderr
    assert "1 unchanged" in second.stderr
    with archive.read() as session:
        versions = history(session, URL)
    assert [(v.version, v.captured_at, v.last_confirmed_at) for v in versions] == [
        (1, T0, T0 + timedelta(hours=5))
    ]


@IMPORTING_TRAFILATURA
def test_wgets_warc_of_a_redirect_makes_the_redirecting_urls_aliases(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    wget = shutil.which("wget")
    if wget is None:
        pytest.skip("wget is not installed (.ci/run installs it)")
    with serve(NewsSite(articles=4)) as server:
        path = server.site.article_paths()[1]
        start = f"{server.url}/redirect/2{path}"
        subprocess.run(
            [wget, "-q", "-O", "/dev/null", f"--warc-file={tmp_path / 'wget'}", start],
            check=True,
            cwd=tmp_path,
            timeout=60,
        )
    imported = cli("import-warc", "--json", tmp_path / "wget.warc.gz")
    assert imported.exit_code == 0, imported.output
    assert "1 new" in imported.stderr
    for url in (start, f"{server.url}/redirect/1{path}", server.url + path):
        shown = cli("history", "--json", url)
        assert shown.exit_code == 0, (url, shown.output)
    captures = cli("history", "--json", start)
    assert '"version": 1' in captures.stdout


def test_an_export_reports_its_progress_on_stderr(
    archive: Archive, cli: Callable[..., Result], tmp_path: Path
) -> None:
    def fail_many(session: Session) -> None:
        for n in range(1000):
            page = FetchedPage(
                f"{URL}?n={n}", None, T0 + timedelta(seconds=n), 404, {}, b"<h1>Gone</h1>"
            )
            record_failure(session, page, CaptureFailure("http_404", "gone"))

    archive.run_write(fail_many)
    result = cli("export", "--format", "warc", "-o", tmp_path / "out.warc.gz")
    assert result.exit_code == 0, result.output
    assert "[1000] fetches written" in result.stderr
    assert result.stdout == ""
