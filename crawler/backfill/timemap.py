"""Memento TimeMaps in link-format (RFC 7089, RFC 6690): the mementos an archive lists.

Entries are ``<URI>; rel="..."; datetime="..."`` separated by commas; commas inside ``<...>``
and quoted values do not separate. An entry whose rel names ``memento`` with a readable
datetime is a memento; other entries (original, self, timegate, timemap) are not counted as
skips; a memento entry that cannot be read is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from storage.timeutil import as_utc

__all__ = ["Memento", "TimeMap", "parse_timemap"]


@dataclass(frozen=True)
class Memento:
    uri: str
    captured_at: datetime


@dataclass(frozen=True)
class TimeMap:
    mementos: list[Memento]
    skipped: int  # memento entries (or unreadable entries) that could not be read
    original: str | None = None


def _entries(text: str) -> list[str]:
    """The comma-separated entries, commas inside <...> or quotes kept."""
    entries: list[str] = []
    current: list[str] = []
    in_uri = in_quote = False
    for char in text:
        if char == "<" and not in_quote:
            in_uri = True
        elif char == ">" and not in_quote:
            in_uri = False
        elif char == '"' and not in_uri:
            in_quote = not in_quote
        if char == "," and not in_uri and not in_quote:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


def _params(rest: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in rest.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            params[name.strip().lower()] = value.strip().strip('"')
    return params


def _http_date(value: str) -> datetime | None:
    try:
        return as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_timemap(text: str) -> TimeMap:
    """The mementos listed in ``text``, oldest first, and how many entries were unreadable."""
    mementos: list[Memento] = []
    skipped = 0
    original = None
    for entry in _entries(text):
        if not entry.startswith("<") or ">" not in entry:
            skipped += 1
            continue
        uri, _, rest = entry[1:].partition(">")
        params = _params(rest)
        rels = params.get("rel", "").split()
        if "original" in rels:
            original = uri.strip()
        if "memento" not in rels:
            continue
        captured_at = _http_date(params.get("datetime", ""))
        if captured_at is None or not uri.strip():
            skipped += 1
            continue
        mementos.append(Memento(uri.strip(), captured_at))
    mementos.sort(key=lambda memento: memento.captured_at)
    return TimeMap(mementos, skipped, original)
