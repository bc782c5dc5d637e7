"""CDX server answers (the Wayback Machine's CDX API, pywb's CDX server): query and rows.

Both answer ``output=json`` differently: the Wayback Machine with one JSON array whose first row
names the fields, pywb with one JSON object per line. Both are read line by line, so a result
of 100,000 rows is streamed, never held whole. A line that is neither is a counted skip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

__all__ = ["CdxAnswerError", "CdxRow", "CdxSkip", "cdx_query_url", "parse_cdx_lines"]

_FIELD_NAMES = {
    "timestamp": "timestamp",
    "original": "url",
    "url": "url",
    "mimetype": "mime",
    "mime": "mime",
    "statuscode": "status",
    "status": "status",
    "digest": "digest",
}


class CdxAnswerError(ValueError):
    """The answer is not a CDX result at all (an HTML page, a login form, an error page)."""


@dataclass(frozen=True)
class CdxRow:
    """One capture a CDX server lists."""

    timestamp: str  # 14 digits, UTC, as the archive spells it
    url: str  # the original URL
    captured_at: datetime
    mime: str
    status: int | None  # None: the archive gives none ("-", a revisit record)
    digest: str


@dataclass(frozen=True)
class CdxSkip:
    """A line that could not be read as a capture, with why."""

    line_number: int
    reason: str


def cdx_query_url(
    endpoint: str,
    url: str,
    *,
    since: str | None = None,
    until: str | None = None,
    limit: int | None = None,
) -> str:
    """The query for every capture of ``url`` (exact URL), adjacent duplicates collapsed."""
    params: list[tuple[str, str]] = [("url", url), ("output", "json"), ("collapse", "digest")]
    if since:
        params.append(("from", since))
    if until:
        params.append(("to", until))
    if limit:
        params.append(("limit", str(limit)))
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def capture_time(timestamp: str) -> datetime | None:
    """A CDX row's 14-digit UTC timestamp as a datetime (None: not one)."""
    if len(timestamp) != 14 or not timestamp.isascii() or not timestamp.isdigit():
        return None
    try:
        return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _row(fields: dict[str, str], line_number: int) -> CdxRow | CdxSkip:
    timestamp = fields.get("timestamp", "")
    captured_at = capture_time(timestamp)
    url = fields.get("url", "")
    if captured_at is None:
        return CdxSkip(line_number, f"bad timestamp {timestamp[:20]!r}")
    if not url:
        return CdxSkip(line_number, "no original URL")
    status = fields.get("status", "")
    return CdxRow(
        timestamp=timestamp,
        url=url,
        captured_at=captured_at,
        mime=fields.get("mime", ""),
        status=int(status) if status.isdigit() and len(status) == 3 else None,
        digest=fields.get("digest", "") or f"{timestamp}:{url}",
    )


def _named(header: list[str], values: list[object]) -> dict[str, str]:
    return {
        _FIELD_NAMES[name]: str(value)
        for name, value in zip(header, values, strict=False)
        if name in _FIELD_NAMES
    }


def parse_cdx_lines(lines: Iterable[str]) -> Iterator[CdxRow | CdxSkip]:
    """Rows of a CDX ``output=json`` answer in either dialect, and a skip for each bad line.

    Raises CdxAnswerError when the answer starts like HTML: that is no CDX server.
    """
    header: list[str] | None = None
    seen_content = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip().rstrip(",").strip()
        if line in ("", "[", "]", "[]"):
            continue
        if not seen_content and line.startswith("<"):
            raise CdxAnswerError("the archive answered HTML, not a CDX result")
        seen_content = True
        line = line.removeprefix("[[").removesuffix("]]")
        if line.startswith("[") or not line.startswith("{"):
            line = "[" + line.removeprefix("[").removesuffix("]") + "]"
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            yield CdxSkip(number, "not JSON")
            continue
        if isinstance(value, dict):
            yield _row(_named(list(value), list(value.values())), number)
        elif isinstance(value, list) and header is None and all(isinstance(v, str) for v in value):
            if "timestamp" not in value:
                yield CdxSkip(number, "a header row without 'timestamp'")
                continue
            header = [str(v) for v in value]
        elif isinstance(value, list) and header is not None:
            yield _row(_named(header, value), number)
        else:
            yield CdxSkip(number, "not a CDX row")
