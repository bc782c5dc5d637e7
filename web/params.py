"""Query parameters shared by pages and API: validated here, so a bad value is a 400."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Annotated

from fastapi import Query

from storage.timeutil import as_utc, parse_instant
from web.errors import BadRequest

MAX_PAGE = 100_000
MAX_PER_PAGE = 100

PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page (at most 100).")]
ArticleURL = Annotated[
    str,
    Query(
        min_length=1,
        max_length=4096,
        description="The article's URL (canonical or any alias; tracking parameters ignored).",
    ),
]
VersionNumber = Annotated[
    int | None, Query(ge=1, le=1_000_000, description="Version number, from 1.")
]
HOST_PATTERN = r"^[A-Za-z0-9.\-:\[\]]+$"
SiteHost = Annotated[
    str | None,
    Query(max_length=255, pattern=HOST_PATTERN, description="A site (host name; subdomains too)."),
]
DateText = Annotated[
    str | None,
    Query(
        max_length=64, description="ISO 8601 date or time, e.g. 2026-11-20 or 2026-11-20T10:00Z."
    ),
]


@dataclass(frozen=True)
class Paging:
    """A page of a list: which one, how long, and the offset it starts at."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def parse_date(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 query parameter as a UTC datetime, or BadRequest naming the parameter."""
    if value is None or not value.strip():
        return None
    try:
        return parse_instant(value)
    except ValueError as error:
        raise BadRequest(f"{name}: {error}") from None


def parse_http_date(value: str, name: str) -> datetime:
    """An RFC 7231 HTTP-date header (as Accept-Datetime uses) as a UTC datetime."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        raise BadRequest(
            f"{name}: not an HTTP date: {value[:64]!r} (e.g. Thu, 20 Nov 2026 10:00:00 GMT)"
        )
    return as_utc(parsed)


def date_range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    start, end = parse_date(since, "since"), parse_date(until, "until")
    if start and end and start > end:
        raise BadRequest("since: must not be after until")
    return start, end
