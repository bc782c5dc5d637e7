"""What a capture kept of its HTTP exchange: request and response heads, redirect hops, digest.

Stored per capture as zlib-compressed JSON (``captures.http``, docs/warc.md), so the WARC export
writes the heads as they were on the wire instead of rebuilding them from a few kept headers.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.timeutil import parse_instant

FORMAT = 1
# Per header value and per head (all of a head's names and values together), in characters.
MAX_VALUE_CHARS = 8 * 1024
MAX_HEAD_CHARS = 64 * 1024
COMPRESSION_LEVEL = 3

Header = tuple[str, str]


@dataclass(frozen=True)
class HttpHop:
    """One redirect answer on the way to the final response."""

    url: str
    status: int
    headers: tuple[Header, ...]
    fetched_at: datetime
    request_headers: tuple[Header, ...] = ()
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class CaptureHttp:
    """The HTTP exchange of one fetch, as sent and received (within the size caps)."""

    protocol: str = "HTTP/1.1"
    method: str = "GET"
    request_headers: tuple[Header, ...] = ()
    response_headers: tuple[Header, ...] = ()
    hops: tuple[HttpHop, ...] = ()
    # sha256 of the body as received (decoded), also when the body itself was not kept.
    payload_sha256: str | None = None
    truncated: bool = False


def cap_head(headers: list[Header] | tuple[Header, ...]) -> tuple[tuple[Header, ...], bool]:
    """``headers`` within the caps, and whether anything was cut."""
    kept: list[Header] = []
    used, cut = 0, False
    for name, value in headers:
        if len(value) > MAX_VALUE_CHARS:
            value, cut = value[:MAX_VALUE_CHARS], True
        used += len(name) + len(value)
        if used > MAX_HEAD_CHARS:
            return tuple(kept), True
        kept.append((name, value))
    return tuple(kept), cut


def _pairs(value: Any) -> tuple[Header, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(item[0]), str(item[1]))
        for item in value
        if isinstance(item, list | tuple) and len(item) == 2
    )


def encode_http(http: CaptureHttp) -> bytes:
    """The stored form: compressed JSON."""
    data = {
        "v": FORMAT,
        "protocol": http.protocol,
        "method": http.method,
        "request": [list(h) for h in http.request_headers],
        "response": [list(h) for h in http.response_headers],
        "hops": [
            {
                "url": hop.url,
                "status": hop.status,
                "headers": [list(h) for h in hop.headers],
                "request": [list(h) for h in hop.request_headers],
                "protocol": hop.protocol,
                "at": hop.fetched_at.isoformat(),
            }
            for hop in http.hops
        ],
        "payload_sha256": http.payload_sha256,
        "truncated": http.truncated,
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), COMPRESSION_LEVEL)


def _hop(value: Any) -> HttpHop | None:
    try:
        return HttpHop(
            url=str(value["url"]),
            status=int(value["status"]),
            headers=_pairs(value.get("headers")),
            fetched_at=parse_instant(str(value["at"])),
            request_headers=_pairs(value.get("request")),
            protocol=str(value.get("protocol") or "HTTP/1.1"),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def decode_http(blob: bytes | None) -> CaptureHttp | None:
    """The exchange stored in ``blob``; None when there is none or it cannot be read."""
    if not blob:
        return None
    try:
        data = json.loads(zlib.decompress(blob).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    hops = [_hop(h) for h in data.get("hops") or [] if isinstance(h, dict)]
    digest = data.get("payload_sha256")
    return CaptureHttp(
        protocol=str(data.get("protocol") or "HTTP/1.1"),
        method=str(data.get("method") or "GET"),
        request_headers=_pairs(data.get("request")),
        response_headers=_pairs(data.get("response")),
        hops=tuple(h for h in hops if h is not None),
        payload_sha256=digest if isinstance(digest, str) else None,
        truncated=bool(data.get("truncated")),
    )
