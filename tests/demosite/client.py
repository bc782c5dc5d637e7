"""A tiny urllib client and HTML reader for the demo-site tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from html import unescape
from html.parser import HTMLParser

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)  # the demo sites' `now` in these tests


@dataclass(frozen=True)
class Fetched:
    """Status, headers and raw body of one response."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> object:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET", data: bytes | None = None
) -> Fetched:
    """One request, redirects not followed, HTTP errors returned rather than raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _opener.open(request, timeout=10) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, error.headers, error.read())


VOID = {"img", "input", "br", "hr", "meta", "link", "source", "wbr"}
SKIPPED = {"aside", "figure"}


class PageReader(HTMLParser):
    """Collects links, the headline and the article-body paragraphs of a demo page.

    Body paragraphs are the <p> inside div.article-body, minus figures, asides and the
    browser-support banner: what the archived text of the page should be.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.headline = ""
        self.paragraphs: list[str] = []
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, in body, skipped)
        self._text: list[str] | None = None

    def _state(self) -> tuple[bool, bool]:
        return self._stack[-1][1:] if self._stack else (False, False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        for name in ("href", "src"):
            if attr.get(name) and tag in ("a", "link", "img"):
                self.links.append(unescape(attr[name] or ""))
        if tag in VOID:
            return
        in_body, skipped = self._state()
        in_body = in_body or attr.get("class") == "article-body"
        skipped = skipped or tag in SKIPPED or attr.get("class") == "browser-support"
        self._stack.append((tag, in_body, skipped))
        if (tag == "p" and in_body and not skipped) or (
            tag == "h1" and attr.get("class") == "headline"
        ):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or not any(t == tag for t, _, _ in self._stack):
            return
        while self._stack.pop()[0] != tag:
            pass
        if self._text is not None and tag in ("p", "h1"):
            text = "".join(self._text).strip()
            if tag == "p":
                self.paragraphs.append(text)
            else:
                self.headline = text
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def read_page(html: str) -> PageReader:
    """Parse one page."""
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader
