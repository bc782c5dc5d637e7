"""`newsarchive archive` on pages built by JavaScript, served on 127.0.0.1: what is archived."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.crawler.extraction.javascript_pages import SHELLS, Story, amp_linked_shell, amp_page

from .conftest import Cli

pytestmark = pytest.mark.slow  # whole crawls in subprocesses


class ShellSite:
    """Every fixture shape at its path; ``story`` can be edited between fetches."""

    def __init__(self) -> None:
        self.story = Story()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def story_at(self, path: str) -> Story:
        """The story as the page at ``path`` tells it: each page its own words, so the site's
        learned boilerplate (lines repeated across its articles) takes none of them."""
        desk = "".join(c for c in path.rsplit("/", 1)[-1].split(".")[0] if c.isalpha())
        return replace(
            self.story,
            paragraphs=tuple(f"{p} Filed by the {desk} desk." for p in self.story.paragraphs),
        )

    def page(self, path: str) -> str | None:
        if path in SHELLS:
            return SHELLS[path][0](self.story_at(path))
        if path == "/amp-linked.html":
            return amp_linked_shell(self.story_at(path))
        if path == "/amp/story.html":
            return amp_page(self.story_at("/amp-linked.html"), self.url + "/amp-linked.html")
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/api/story.json":
                    body, kind = json.dumps({"html": site.story.text}), "application/json"
                elif (page := site.page(self.path)) is not None:
                    body, kind = page, "text/html; charset=utf-8"
                else:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def shell_site() -> Iterator[ShellSite]:
    site = ShellSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def test_shells_are_recovered_or_marked_and_edits_make_one_version(
    cli: Cli, shell_site: ShellSite
) -> None:
    # Without a browser (--render never); tests/e2e/test_rendering.py renders the fetch() page.
    paths = [*SHELLS, "/amp-linked.html"]
    urls = [shell_site.url + path for path in paths]
    first = {r["url"]: r for r in cli("archive", "--json", "--render", "never", *urls).json_lines()}
    fetch_page = first[shell_site.url + "/fetch.html"]
    assert fetch_page["status"] == "error"
    assert fetch_page["error_reason"] == "needs_javascript"
    assert "empty #root" in fetch_page["error"]
    for path in paths:
        if path == "/fetch.html":
            continue
        result = first[shell_site.url + path]
        assert result["status"] == "new", (path, result)
        shown = cli("show", "--json", shell_site.url + path).json_lines()[0]
        expected = "amp" if path == "/amp-linked.html" else SHELLS[path][1]
        assert shown["body_source"] == expected, path
        assert shown["text"] == shell_site.story_at(path).text, path
    assert first[shell_site.url + "/amp-linked.html"]["final_url"] == (
        shell_site.url + "/amp/story.html"
    )  # the capture's source
    amp = cli("show", shell_site.url + "/amp-linked.html").stdout
    assert "Body from: the page's AMP version" in amp

    again = cli("archive", "--json", "--render", "never", *urls).json_lines()
    assert {r["status"] for r in again if r["error_reason"] is None} == {"unchanged"}

    shell_site.story = shell_site.story.edited()
    edited = {
        r["url"]: r for r in cli("archive", "--json", "--render", "never", *urls).json_lines()
    }
    for path in paths:
        if path != "/fetch.html":
            assert edited[shell_site.url + path]["status"] == "changed", edited[
                shell_site.url + path
            ]["error"]
            assert edited[shell_site.url + path]["version"] == 2, path
    history = cli("history", "--json", shell_site.url + "/next-app.html").json_lines()[0]
    assert [v["version"] for v in history] == [1, 2]
