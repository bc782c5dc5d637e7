"""HTTP heads for WARC records: as the capture kept them, or synthesised (and said so)."""

from __future__ import annotations

from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders

from storage.capture_http import Header

# Stored bodies are decoded and redirect bodies are not kept, so these describe the wire, not the
# record's payload: renamed the way pywb does (X-Archive-Orig-...), Content-Length recomputed.
WIRE_HEADERS = {"content-encoding", "transfer-encoding"}
ORIGINAL_PREFIX = "X-Archive-Orig-"


def status_line(code: int | None) -> str:
    """``200 OK``: the code and its standard reason phrase (the phrase sent is not kept)."""
    number = code or 200
    try:
        phrase = HTTPStatus(number).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{number} {phrase}"


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def response_head(
    code: int | None, headers: Iterable[Header], protocol: str, payload_length: int
) -> StatusAndHeaders:
    """A response head for a record whose payload is ``payload_length`` decoded bytes."""
    lines: list[Header] = []
    for name, value in headers:
        lower = name.lower()
        if lower in WIRE_HEADERS or (lower == "content-length" and value != str(payload_length)):
            lines.append((ORIGINAL_PREFIX + _title(name), value))
        elif lower != "content-length":
            lines.append((name, value))
    lines.append(("Content-Length", str(payload_length)))
    return StatusAndHeaders(status_line(code), lines, protocol=protocol or "HTTP/1.1")


def kept_headers(headers: dict[str, Any] | None, content_type: str | None) -> list[Header]:
    """The few headers a capture made before revision 0012 kept, title-cased."""
    kept = dict(headers or {})
    if content_type and "content-type" not in kept:
        kept["content-type"] = content_type
    return [(_title(name), str(value)) for name, value in kept.items()]


def request_head(
    url: str, method: str, headers: Iterable[Header], protocol: str
) -> StatusAndHeaders:
    """A request head: the request line, Host (the HTTP client adds it), then the headers sent."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sent = list(headers)
    if not any(name.lower() == "host" for name, _ in sent):
        sent.insert(0, ("Host", parts.netloc))
    return StatusAndHeaders(
        f"{method} {target} {protocol or 'HTTP/1.1'}", sent, is_http_request=True
    )
