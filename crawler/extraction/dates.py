"""Parse declared date strings into timezone-aware datetimes (UTC when no zone is given)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_date"]

_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?$")
_FORMATS = (
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M%z",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
)


def parse_date(value: object, latest: datetime | None = None) -> datetime | None:
    """A page's date string (ISO 8601, RFC 2822, a few common forms) → aware datetime, or None.

    Dates before 1990 or after ``latest`` (e.g. now plus a day) are rejected as implausible.
    """
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        parsed = _parse_text(value.strip())
    else:
        parsed = None
    if parsed is None:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed < _EARLIEST or (latest is not None and parsed > latest):
        return None
    return parsed


def _parse_text(text: str) -> datetime | None:
    iso = text.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    compact = _COMPACT.match(text)
    if compact:
        parts = [int(part) for part in compact.groups(default="0")]
        try:
            return datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
