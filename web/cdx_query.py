"""The CDX query form (pywb and the Wayback Machine): parameters, filters, collapsing, rows.

Pure functions over ``IndexedCapture`` rows; web/cdx.py runs them. Fields have both dialects'
names (``original``/``url``, ``mimetype``/``mime``, ``statuscode``/``status``). A filter is
``[!][=|~]FIELD:VALUE``: ``=`` an exact match, ``~`` a substring, otherwise a regular expression
matched from the start of the value (pywb's rule); ``!`` negates. A regular expression that
repeats a group (``(a+)+``) is refused, so a query cannot make the server backtrack for ever.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from storage.capture_index import IndexedCapture, MatchType

__all__ = [
    "CdxFilter",
    "CdxQuery",
    "InvalidCdxQuery",
    "apply_query",
    "cdx_fields",
    "parse_timestamp_bound",
    "surt",
]

MAX_ROWS = 100_000
MAX_PATTERN = 200
WAYBACK_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
PYWB_FIELDS = ("urlkey", "timestamp", "url", "mime", "status", "digest", "length")
_ALIASES = {"url": "original", "mime": "mimetype", "status": "statuscode"}
_NESTED_REPEAT = re.compile(r"\)[*+?{]")


class InvalidCdxQuery(ValueError):
    """A CDX parameter that cannot be understood (the server answers 400 with this text)."""


@dataclass(frozen=True)
class CdxFilter:
    field: str
    value: str
    mode: str  # "regex", "exact" or "contains"
    negate: bool
    pattern: re.Pattern[str] | None = None

    def keeps(self, values: dict[str, str]) -> bool:
        value = values.get(self.field, "")
        if self.mode == "exact":
            hit = value == self.value
        elif self.mode == "contains":
            hit = self.value in value
        else:
            hit = self.pattern is not None and self.pattern.match(value) is not None
        return hit != self.negate


@dataclass(frozen=True)
class CdxQuery:
    """One CDX request, validated."""

    url: str
    match: MatchType
    since: datetime | None
    until: datetime | None
    filters: tuple[CdxFilter, ...]
    collapse: tuple[str, int | None] | None
    limit: int | None  # negative: the last N rows


def canonical_field(name: str) -> str:
    """A field's Wayback name (``mime`` → ``mimetype``); InvalidCdxQuery for unknown ones."""
    field = _ALIASES.get(name, name)
    if field not in WAYBACK_FIELDS:
        raise InvalidCdxQuery(f"unknown CDX field {name[:40]!r} (known: {', '.join(PYWB_FIELDS)})")
    return field


def parse_filter(text: str) -> CdxFilter:
    """``[!][=|~]FIELD:VALUE`` as a CdxFilter."""
    rest = text
    negate = rest.startswith("!")
    rest = rest.removeprefix("!")
    mode = {"=": "exact", "~": "contains"}.get(rest[:1], "regex")
    if mode != "regex":
        rest = rest[1:]
    name, sep, value = rest.partition(":")
    if not sep:
        raise InvalidCdxQuery(f"filter {text[:60]!r}: write FIELD:VALUE, e.g. statuscode:200")
    field = canonical_field(name)
    pattern = None
    if mode == "regex":
        if len(value) > MAX_PATTERN or _NESTED_REPEAT.search(value):
            raise InvalidCdxQuery(
                f"filter {text[:60]!r}: the pattern is too long or repeats a group"
            )
        try:
            pattern = re.compile(value)
        except re.error as error:
            raise InvalidCdxQuery(f"filter {text[:60]!r}: {error}") from None
    return CdxFilter(field, value, mode, negate, pattern)


def parse_collapse(text: str) -> tuple[str, int | None]:
    """``FIELD`` or ``FIELD:N`` (the first N characters)."""
    name, sep, width = text.partition(":")
    if sep and not (width.isascii() and width.isdigit() and 0 < int(width) <= 64):
        raise InvalidCdxQuery(f"collapse {text[:60]!r}: write FIELD or FIELD:N")
    return canonical_field(name), int(width) if sep else None


_PERIOD_ENDS = {
    4: lambda t: t.replace(year=t.year + 1),
    6: lambda t: (t.replace(day=28) + timedelta(days=4)).replace(day=1),
    8: lambda t: t + timedelta(days=1),
    10: lambda t: t + timedelta(hours=1),
    12: lambda t: t + timedelta(minutes=1),
    14: lambda t: t + timedelta(seconds=1),
}


def parse_timestamp_bound(text: str, name: str, *, end: bool) -> datetime:
    """``from``/``to``: 4 to 14 digits; ``to=2026`` ends with the last second of 2026."""
    if not (text.isascii() and text.isdigit() and len(text) in _PERIOD_ENDS):
        raise InvalidCdxQuery(f"{name}: a timestamp of 4 to 14 digits, e.g. 20261102 ({text!r})")
    try:
        start = datetime.strptime(text + "0101000000"[len(text) - 4 :], "%Y%m%d%H%M%S")
    except ValueError:
        raise InvalidCdxQuery(f"{name}: not a date: {text!r}") from None
    start = start.replace(tzinfo=UTC)
    if not end:
        return start
    last: datetime = _PERIOD_ENDS[len(text)](start) - timedelta(microseconds=1)
    return last


def _match(url: str, match_type: str | None) -> tuple[str, MatchType]:
    if match_type:
        try:
            return url, MatchType(match_type)
        except ValueError:
            raise InvalidCdxQuery(
                f"matchType: one of {', '.join(m.value for m in MatchType)}"
            ) from None
    if url.startswith("*."):
        return url[2:], MatchType.DOMAIN
    if url.endswith("*"):
        return url[:-1], MatchType.PREFIX
    return url, MatchType.EXACT


def parse_query(
    url: str,
    *,
    match_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
    filters: Iterable[str] = (),
    collapse: str | None = None,
    limit: int | None = None,
) -> CdxQuery:
    """A CdxQuery from the request's parameters, or InvalidCdxQuery."""
    if not url.strip():
        raise InvalidCdxQuery("url: required (the URL whose captures to list)")
    target, match = _match(url.strip(), match_type)
    if limit is not None and (limit == 0 or abs(limit) > MAX_ROWS):
        raise InvalidCdxQuery(f"limit: from 1 to {MAX_ROWS} (or -N for the last N)")
    return CdxQuery(
        url=target,
        match=match,
        since=parse_timestamp_bound(since, "from", end=False) if since else None,
        until=parse_timestamp_bound(until, "to", end=True) if until else None,
        filters=tuple(parse_filter(text) for text in filters),
        collapse=parse_collapse(collapse) if collapse else None,
        limit=limit,
    )


def surt(url: str) -> str:
    """The sort-friendly URL key: ``com,example)/news/a.html?x=1``, lower case, no scheme."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.lower()
    host = (parts.hostname or "").removeprefix("www.")
    key = ",".join(reversed(host.split("."))) if host else ""
    if parts.port and parts.port not in (80, 443):
        key += f":{parts.port}"
    path = parts.path or "/"
    return f"{key}){path}{'?' + parts.query if parts.query else ''}".lower()


def cdx_fields(row: IndexedCapture) -> dict[str, str]:
    """A row's values by Wayback field name (``-`` where we have none)."""
    revisit = row.digest is None
    mime = (row.mime or "").split(";", 1)[0].strip().lower() or "unk"
    return {
        "urlkey": surt(row.url),
        "timestamp": row.fetched_at.strftime("%Y%m%d%H%M%S"),
        "original": row.url,
        "mimetype": "warc/revisit" if revisit else mime,
        "statuscode": "-" if revisit else str(row.status),
        "digest": f"sha256:{row.digest}" if row.digest else "-",
        "length": str(row.length) if row.length is not None else "-",
    }


def apply_query(rows: Iterable[IndexedCapture], query: CdxQuery) -> Iterator[dict[str, str]]:
    """Filter, collapse and limit ``rows`` (already in index order) as ``query`` asks."""
    kept = _collapsed(
        (values for values in map(cdx_fields, rows) if all(f.keeps(values) for f in query.filters)),
        query.collapse,
    )
    if query.limit is not None and query.limit < 0:
        yield from deque(kept, maxlen=-query.limit)
        return
    for count, values in enumerate(kept):
        if count >= (query.limit or MAX_ROWS):
            return
        yield values


def _collapsed(
    rows: Iterator[dict[str, str]], collapse: tuple[str, int | None] | None
) -> Iterator[dict[str, str]]:
    if collapse is None:
        yield from rows
        return
    field, width = collapse
    last: str | None = None
    for values in rows:
        key = values.get(field, "")[:width] if width else values.get(field, "")
        if key != last:
            yield values
        last = key
