"""What the demo site answers to a request: status, body, type and cache validators."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Response:
    """One HTTP response, before conditional-GET handling and transfer compression."""

    status: int
    body: bytes
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    etag: str | None = None
    last_modified: datetime | None = None


def strong_etag(body: bytes) -> str:
    """A strong entity tag for a byte-stable representation."""
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def weak_etag(*parts: object) -> str:
    """A weak entity tag for a page whose bytes vary per request but whose content does not."""
    digest = hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:20]
    return f'W/"{digest}"'


def redirect(status: int, location: str) -> Response:
    """A redirect to `location`."""
    body = f'<html><body><a href="{location}">Moved</a></body></html>'.encode()
    return Response(status, body, headers=(("Location", location),))


def not_modified(
    response: Response, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110: If-None-Match (weak comparison) wins over If-Modified-Since."""
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        if response.etag is None:
            return False
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return response.etag.removeprefix("W/") in wanted
    if if_modified_since is None or response.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return response.last_modified <= since
