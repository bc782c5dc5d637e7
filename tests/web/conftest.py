"""A small archive with hostile content, the app over it, and a live uvicorn server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import uvicorn
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from storage import (
    Archive,
    ArticleContent,
    CaptureFailure,
    FetchedPage,
    open_archive,
    record_capture,
)
from storage.archive import record_failure
from storage.runs import finish_run, start_run
from web import WebConfig, create_app

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
STORY = "https://news.example/world/2026/11/story.html"
BRIDGE = "https://news.example/local/2026/11/bridge.html"
OTHER = "https://other.example/politics/vote.html"
PWNED = "PWNED"


def payloads(canary: str) -> dict[str, str]:
    """Strings that would run script, fetch the canary or navigate, were they ever HTML."""
    run = f"document.title='{PWNED}';fetch('{canary}/hit')"
    return {
        "script": f"<script>{run}</script>",
        "img": f'<img src="{canary}/img" onerror="{run}">',
        "link": f'<a href="javascript:{run}">read more</a>',
        "svg": f"</p><svg onload=\"{run}\"></svg><iframe src='{canary}/frame'></iframe>",
    }


def hostile_content(canary: str) -> ArticleContent:
    p = payloads(canary)
    text = "\n".join(
        [
            f"CITY — Ministers agreed on the budget {p['script']} late on Tuesday night.",
            f"The opposition called it a betrayal {p['img']} and promised a vote.",
            f"Officials declined to comment {p['link']} on the details of the deal.",
            f"Markets rose on the news {p['svg']} as traders bet on lower rates.",
            "Residents said the neighbourhood had been quiet for years before the events.",
        ]
    )
    return ArticleContent(
        text=text,
        title=f"Budget deal {p['script']} agreed",
        authors=(f"Ann {p['img']} Writer", "Bob Reporter"),
        description=f"A deal {p['link']}",
        top_image=f"javascript:document.title='{PWNED}'",
        site_name=f"News {p['script']}",
        section="World",
        tags=("budget", p["img"]),
        language="en",
        extractor="test",
        extractor_version="test/1",
        modified_at=T0,
    )


def plain_content(title: str, text: str, top_image: str | None = None) -> ArticleContent:
    return ArticleContent(
        text=text,
        title=title,
        authors=("Cal Columnist",),
        extractor="test",
        extractor_version="1",
        top_image=top_image,
    )


def fetched(url: str, at: datetime) -> FetchedPage:
    return FetchedPage(
        requested_url=url,
        final_url=url,
        fetched_at=at,
        http_status=200,
        headers={"content-type": "text/html"},
        body=b"<html>raw</html>",
    )


@dataclass(frozen=True)
class Sample:
    """What the sample archive holds, for assertions."""

    canary: str
    story_times: tuple[datetime, ...]
    story: str = STORY
    bridge: str = BRIDGE
    other: str = OTHER


def build_sample(archive: Archive, canary: str) -> Sample:
    """Story: v1 hostile, v2 edited + correction, v3 back to v1 (flip-flop), v4 new byline."""
    v1 = hostile_content(canary)
    v2 = replace(
        v1,
        title="Budget deal agreed after all-night talks",
        text=v1.text.replace("late on Tuesday night", "early on Wednesday")
        + "\nCorrection: An earlier version misstated the day of the vote.",
    )
    v4 = replace(v1, authors=("Bob Reporter",))
    times = (T0, T0 + timedelta(hours=2), T0 + timedelta(hours=5), T0 + timedelta(hours=8))

    def write(session: Session) -> None:
        run = start_run(session, "crawl")
        for content, at in zip((v1, v2, v1, v4), times, strict=True):
            record_capture(session, fetched(STORY, at), content, crawl_run_id=run)
        record_capture(
            session,
            fetched(BRIDGE, T0 + timedelta(hours=1)),
            plain_content(
                "Harbour bridge reopens",
                "The harbour bridge reopened on Monday.\n" * 5,
                top_image="https://news.example/img/bridge.jpg",
            ),
        )
        for at, text in (
            (T0, "Parliament votes today.\n"),
            (T0 + timedelta(days=1), "Vote won.\n"),
        ):
            record_capture(session, fetched(OTHER, at), plain_content("The vote", text * 5))
        record_failure(
            session,
            fetched(BRIDGE, T0 + timedelta(hours=3)),
            CaptureFailure("http_404", "404 Not Found"),
        )
        record_failure(
            session,
            fetched("https://news.example/gone.html", T0 + timedelta(hours=4)),
            CaptureFailure("timeout", "timed out"),
        )
        finish_run(session, run, "finished", {"archive/new": 1})

    archive.run_write(write)
    return Sample(canary=canary, story_times=times)


class CanaryHandler(BaseHTTPRequestHandler):
    """Counts every request: a payload that ran would call here. /control serves raw payloads."""

    server: CanaryServer

    def do_GET(self) -> None:
        server = self.server
        if self.path.startswith("/control"):
            body = "".join(payloads(server.url).values()).encode()
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        server.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class CanaryServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CanaryHandler)
        self.hits: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="session")
def canary() -> Iterator[CanaryServer]:
    server = CanaryServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """One archive for every web test: the app only reads, so tests cannot disturb each other."""
    path = tmp_path_factory.mktemp("web") / "archive.db"
    with open_archive(f"sqlite:///{path}") as opened:
        yield opened


@pytest.fixture(scope="session")
def sample(sample_archive: Archive, canary: CanaryServer) -> Sample:
    return build_sample(sample_archive, canary.url)


@pytest.fixture
def client(sample_archive: Archive, sample: Sample) -> Iterator[TestClient]:
    app = create_app(sample_archive, WebConfig())
    with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server


def _serve(archive: Archive) -> Iterator[LiveServer]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(archive, WebConfig(port=port))
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def live_server(sample_archive: Archive, sample: Sample) -> Iterator[LiveServer]:
    """The app under a real uvicorn server on 127.0.0.1 (port chosen by the OS)."""
    yield from _serve(sample_archive)


ServeArchive = Callable[[Archive], Iterator[LiveServer]]
WriteVersions = Callable[[Archive, str, list[tuple[datetime, str]]], None]


@pytest.fixture
def serve_archive() -> ServeArchive:
    return _serve


@pytest.fixture
def write_versions() -> WriteVersions:
    """write_versions(archive, url, [(captured_at, text), ...]): one plain version each."""

    def write(archive: Archive, url: str, versions: list[tuple[datetime, str]]) -> None:
        for at, text in versions:
            page, content = fetched(url, at), plain_content("Story", text)
            archive.run_write(partial(record_capture, page=page, content=content))

    return write
