"""A real pywb on 127.0.0.1 with a collection built from WARCs written here with warcio."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ARTICLE = "http://news.example/2026/11/ministry-budget.html"
OTHER = "http://news.example/2026/11/other-story.html"


@dataclass(frozen=True)
class ArchivedAnswer:
    url: str
    at: datetime
    status: str  # "200 OK", "404 Not Found", "301 Moved Permanently"
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)


def article_html(title: str, paragraphs: list[str], charset_meta: str | None = "utf-8") -> bytes:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        f"<!doctype html><html><head>{meta}<title>{title}</title>"
        f'<meta property="og:title" content="{title}">'
        '<meta name="author" content="Ana Reporter"></head><body><header>News Example</header>'
        f"<article><h1>{title}</h1>{body}</article><footer>© News Example</footer></body></html>"
    )
    return page.encode(charset_meta or "utf-8")


def write_warc(path: Path, answers: list[ArchivedAnswer]) -> None:
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for answer in answers:
            headers = [*answer.headers, ("Content-Length", str(len(answer.body)))]
            http = StatusAndHeaders(answer.status, headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(
                answer.url,
                "response",
                payload=BytesIO(answer.body),
                length=len(answer.body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": answer.at.strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
            writer.write_record(record)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_pywb(root: Path, warc: Path, collection: str = "news") -> Iterator[str]:
    """pywb serving ``warc`` as ``collection``; yields its base URL http://127.0.0.1:PORT."""
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "wb-manager"), "init", collection], cwd=root, check=True, capture_output=True
    )
    subprocess.run(
        [str(bin_dir / "wb-manager"), "add", collection, str(warc)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    log = (root / "pywb.log").open("wb")
    process = subprocess.Popen(
        [str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/{collection}/cdx?url={ARTICLE}", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((root / "pywb.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
