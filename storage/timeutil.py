"""UTC time helpers shared by the models and the queries."""

from __future__ import annotations

import os
from datetime import UTC, datetime

CLOCK_VARIABLE = "NEWSARCHIVE_NOW"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC.

    ``NEWSARCHIVE_NOW`` (an ISO 8601 time) overrides the clock: tests of schedules and revisits
    move time forward with it instead of sleeping, and ``newsarchive due`` can answer "what
    would be due then". It is a test seam, not a setting: read at each call (a test changes it
    between commands, and a schedule's round processes inherit it), never at import, so it
    stays out of the CLI's options and crawler/settings.py.
    """
    fixed = os.environ.get(CLOCK_VARIABLE)
    if fixed:
        return parse_instant(fixed)
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 date or datetime ('2026-11-20', '2026-11-20T10:00Z') into UTC.

    Raises ``ValueError`` with a readable message on anything else.
    """
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        return as_utc(datetime.fromisoformat(cleaned))
    except ValueError:
        raise ValueError(
            f"not a date or time: {text!r} (use ISO 8601, e.g. 2026-11-20 or 2026-11-20T10:00Z)"
        ) from None
