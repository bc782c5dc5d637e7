"""Memento interoperability: the memento_client library against a real uvicorn server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from memento_client import MementoClient

from storage import Archive
from tests.web.conftest import LiveServer, Sample, ServeArchive, WriteVersions
from web.memento import memento_uri


def test_client_follows_timegate_from_a_memento(live_server: LiveServer, sample: Sample) -> None:
    """Given one of our mementos, the client finds the original, our TimeGate, the closest."""
    start = memento_uri(live_server.url, sample.story, 1)
    with MementoClient(
        timegate_uri=f"{live_server.url}/timegate/", check_native_timegate=False
    ) as client:
        info = client.get_memento_info(start, datetime(2026, 11, 20, 16, 30))
    assert info["original_uri"] == sample.story
    mementos = info["mementos"]
    assert mementos["closest"]["uri"] == [memento_uri(live_server.url, sample.story, 3)]
    assert mementos["closest"]["datetime"] == datetime(2026, 11, 20, 15, 0)
    assert mementos["closest"]["http_status_code"] == 200
    assert mementos["first"]["datetime"] == datetime(2026, 11, 20, 10, 0)
    assert mementos["prev"]["uri"] == [memento_uri(live_server.url, sample.story, 2)]
    assert mementos["next"]["uri"] == [memento_uri(live_server.url, sample.story, 4)]
    assert mementos["last"]["datetime"] == datetime(2026, 11, 20, 18, 0)


def test_client_recognises_timegate_and_memento(live_server: LiveServer, sample: Sample) -> None:
    gate = f"{live_server.url}/timegate/{sample.story}"
    assert MementoClient.is_timegate(gate, accept_datetime="Fri, 20 Nov 2026 12:00:00 GMT")
    assert MementoClient.is_memento(memento_uri(live_server.url, sample.story, 2))


class Origin(BaseHTTPRequestHandler):
    """A live page on 127.0.0.1 that advertises its archive's TimeGate (RFC 7089 section 5)."""

    server: OriginServer

    def do_HEAD(self) -> None:
        server = self.server
        self.send_response(200)
        self.send_header("Link", f'<{server.timegate}{server.url}{self.path}>; rel="timegate"')
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class OriginServer(ThreadingHTTPServer):
    timegate = ""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Origin)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def origin() -> Iterator[OriginServer]:
    server = OriginServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_client_discovers_native_timegate_from_the_live_page(
    archive: Archive,
    origin: OriginServer,
    serve_archive: ServeArchive,
    write_versions: WriteVersions,
) -> None:
    """The client asks the live page for its TimeGate (ours) and lands on the right version."""
    url = f"{origin.url}/news/story.html"
    times = [datetime(2026, 11, 20, 10, 0, tzinfo=UTC), datetime(2026, 11, 21, 10, 0, tzinfo=UTC)]
    write_versions(archive, url, [(times[0], "First text.\n" * 5), (times[1], "Edited.\n" * 5)])
    for live in serve_archive(archive):
        origin.timegate = f"{live.url}/timegate/"
        with MementoClient(timegate_uri="http://unused.invalid/") as client:
            info = client.get_memento_info(url, datetime(2026, 11, 20, 23, 0))
        assert info["timegate_uri"] == f"{live.url}/timegate/{url}"
        closest = info["mementos"]["closest"]
        assert closest["uri"] == [memento_uri(live.url, url, 1)]
        assert closest["datetime"] == times[0].replace(tzinfo=None)
        assert info["mementos"]["last"]["datetime"] == times[1].replace(tzinfo=None)
