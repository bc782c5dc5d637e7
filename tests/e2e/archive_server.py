"""A small Wayback-style archive on 127.0.0.1 that misbehaves on purpose, for backfill tests.

``/coll/cdx`` answers a Wayback JSON CDX listing built from ``Entry`` values (plus any raw
lines given); ``/coll/TIMESTAMPid_/URL`` answers each entry's capture. An entry can answer 429
or 503 with Retry-After a number of times first, be slow, or cut its body short. Every request
is logged with its time, so a test can check politeness.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Entry:
    """One capture the archive lists and serves."""

    url: str
    timestamp: str
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    listed_mime: str = "text/html"
    busy: list[int] = field(default_factory=list)  # statuses (429, 503) to answer first
    retry_after: str = "1"
    truncate: bool = False  # declare the full length, send a tenth, close
    delay: float = 0.0  # seconds before answering


class ArchiveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, entries: list[Entry], cdx_extra: list[str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.entries = {f"/coll/{e.timestamp}id_/{e.url}": e for e in entries}
        self.cdx_extra = cdx_extra or []
        self.log: list[tuple[float, str, int]] = []  # (time, path, status answered)
        self.lock = threading.Lock()
        # When set, the captures asked for after the first ``hold_after`` wait for ``release``
        # (at most a minute): a test can act while a backfill is surely mid-way.
        self.hold_after: int | None = None
        self.release = threading.Event()
        self._captures_asked = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def cdx_text(self) -> str:
        header = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
        rows = [json.dumps(header)]
        for entry in self.entries.values():
            rows.append(
                json.dumps(
                    [
                        "key",
                        entry.timestamp,
                        entry.url,
                        entry.listed_mime,
                        str(entry.status),
                        f"D{entry.timestamp}",
                        str(len(entry.body)),
                    ]
                )
            )
        rows += self.cdx_extra
        return "[" + ",\n".join(rows) + "]\n"

    def fetches(self, path_part: str) -> list[tuple[float, int]]:
        with self.lock:
            return [(at, status) for at, path, status in self.log if path_part in path]


class _Handler(BaseHTTPRequestHandler):
    server: ArchiveServer

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        with self.server.lock:
            self.server.log.append((time.monotonic(), self.path, status))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/coll/cdx":
            wanted = parse_qs(urlsplit(self.path).query).get("url", [""])[0]
            assert wanted
            self._answer(200, self.server.cdx_text().encode(), {"Content-Type": "text/plain"})
            return
        entry = self.server.entries.get(self.path)
        if entry is None:
            self._answer(404, b"not here", {"Content-Type": "text/plain"})
            return
        with self.server.lock:
            self.server._captures_asked += 1
            held = self.server.hold_after is not None
            held = held and self.server._captures_asked > (self.server.hold_after or 0)
        if held:
            self.server.release.wait(60)
        time.sleep(entry.delay)
        if entry.busy:
            status = entry.busy.pop(0)
            self._answer(status, b"busy", {"Retry-After": entry.retry_after})
            return
        headers = {"Content-Type": entry.content_type}
        if entry.truncate:
            headers["Content-Length"] = str(len(entry.body))
            self._answer(entry.status, entry.body[: len(entry.body) // 10], headers)
            self.close_connection = True
            return
        self._answer(entry.status, entry.body, headers)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def archive_server(
    entries: list[Entry], cdx_extra: list[str] | None = None
) -> Iterator[ArchiveServer]:
    server = ArchiveServer(entries, cdx_extra)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
