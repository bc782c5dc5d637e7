"""A real browser (Debian's headless chromium, driven over the DevTools protocol) on hostile
archived content: no payload runs, and the article and diff pages render.

Skips only when /usr/bin/chromium is absent (CI installs it: apt-get install chromium).
Set NEWSARCHIVE_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import websocket

from storage import FetchedPage, open_archive, record_capture
from tests.web.conftest import (
    T0,
    CanaryServer,
    LiveServer,
    Sample,
    ServeArchive,
    payloads,
    plain_content,
)
from web.views import path_with

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"
)

INSPECT = """JSON.stringify({
  title: document.title,
  scripts: document.scripts.length,
  active: document.querySelectorAll('img, svg, iframe, object, embed, frame').length,
  handlers: [...document.querySelectorAll('*')].filter(
    e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
  jsLinks: [...document.querySelectorAll('[href], [src]')].filter(
    e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src'))).length,
  headline: (document.querySelector('h1') || {}).textContent || '',
  text: document.body.innerText,
})"""


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, url: str) -> None:
        self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            self.events.append(json.loads(self.socket.recv()))

    def open(self, url: str) -> dict[str, Any]:
        """Load ``url``, let any script run, and report what the page became."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        time.sleep(0.3)  # a payload's fetch or onerror would fire by now
        result = self.call("Runtime.evaluate", expression=INSPECT, returnByValue=True)
        page: dict[str, Any] = json.loads(result["result"]["value"])
        return page

    def screenshot(self, path: Path) -> bytes:
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "--window-size=1280,1400",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call(
            "Emulation.setDeviceMetricsOverride",
            width=1280,
            height=1400,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield tools
        tools.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def png_size_and_variety(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the image data); a blank page has very few."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, width, height = 8, b"", 0, 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        chunk = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def keep(path: Path) -> None:
    target = os.environ.get("NEWSARCHIVE_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)


def assert_inert(page: dict[str, Any]) -> None:
    assert page["title"] != "PWNED"
    assert page["scripts"] == 0
    assert page["active"] == 0
    assert page["handlers"] == 0
    assert page["jsLinks"] == 0


def test_hostile_article_is_shown_as_text_and_nothing_runs(
    browser: DevTools, live_server: LiveServer, sample: Sample, canary: CanaryServer, tmp_path: Path
) -> None:
    blank = browser.screenshot(tmp_path / "blank.png")
    blank_variety = png_size_and_variety(blank)[2]

    article = browser.open(live_server.url + path_with("/article", url=sample.story, v=1))
    assert_inert(article)
    assert article["title"].startswith("Budget deal <script>")  # the text, shown as text
    assert "<script>document.title='PWNED'" in article["headline"]
    assert '<img src="' in article["text"]
    assert "onerror=" in article["text"]
    shot = browser.screenshot(tmp_path / "article.png")
    keep(tmp_path / "article.png")
    width, height, variety = png_size_and_variety(shot)
    assert (width, height) == (1280, 1400)
    assert variety > blank_variety + 20, (variety, blank_variety)

    for view in ("side", "inline"):
        diff = browser.open(
            live_server.url
            + path_with("/diff", url=sample.story, view=view, **{"from": 1, "to": 2})
        )
        assert_inert(diff)
        assert "Wednesday" in diff["text"]
        assert "Tuesday" in diff["text"]
        name = f"diff-{view}.png"
        shot = browser.screenshot(tmp_path / name)
        keep(tmp_path / name)
        assert png_size_and_variety(shot)[2] > blank_variety + 20

    for path in ("/", "/search?q=opposition", "/sites/news.example", "/changes"):
        assert_inert(browser.open(live_server.url + path))
    assert canary.hits == [], "a payload reached the canary"

    # Control: the same payloads served raw do run in this browser, so the checks above bite.
    control = browser.open(canary.url + "/control")
    assert control["title"] == "PWNED"
    assert canary.hits


def test_raw_capture_runs_no_script_and_has_no_origin_of_ours(
    browser: DevTools,
    serve_archive: ServeArchive,
    canary: CanaryServer,
    tmp_path: Path,
) -> None:
    url = "https://hostile.example/raw.html"
    body = "".join(payloads(canary.url).values()) + "<p>archived text</p>"
    page = FetchedPage(
        url, url, T0, 200, {"content-type": "text/html; charset=utf-8"}, body.encode()
    )
    content = plain_content("Raw", "An archived article long enough to be a version.\n" * 5)
    with open_archive(f"sqlite:///{tmp_path / 'raw.db'}") as archive:
        archive.run_write(partial(record_capture, page=page, content=content))
        hits_before = len(canary.hits)
        for server in serve_archive(archive):
            raw = browser.open(f"{server.url}/web/{T0:%Y%m%d%H%M%S}id_/{url}")
            origin = browser.call("Runtime.evaluate", expression="self.origin", returnByValue=True)
    assert raw["title"] != "PWNED"
    assert "archived text" in raw["text"]  # the capture is shown, as served
    assert origin["result"]["value"] == "null"  # sandboxed: an opaque origin, not the UI's
    assert canary.hits[hits_before:] == [], "archived HTML reached the network"
