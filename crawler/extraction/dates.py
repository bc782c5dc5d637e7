"""A page's dates: the declarations read, htmldate's guess, and parsing date strings.

Dates come out timezone-aware (UTC when the page gives no zone). htmldate, the costly part of
metadata, runs only for a page that declares no publication date.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement

__all__ = ["PageDates", "page_dates", "parse_date"]

logger = logging.getLogger(__name__)

_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "originalpublicationdate",
    "datecreated",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "article.updated",
    "lastmod",
)

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


@dataclass(frozen=True)
class PageDates:
    """When the page says it was published and modified; ``sources`` names guessed fields."""

    published_at: datetime | None = None
    modified_at: datetime | None = None
    sources: dict[str, str] = field(default_factory=dict)  # field name → "htmldate"


def page_dates(
    tree: HtmlElement,
    url: str | None,
    entity: dict[str, Any],
    meta: dict[str, list[str]],
    pubdates: list[str],
) -> PageDates:
    """The first plausible declared dates (JSON-LD, meta tags, <time pubdate>), else htmldate's.

    ``entity`` is the JSON-LD article, ``meta`` the meta tags by lower-cased name. A page that
    declares none of its dates gets htmldate's guess at a modification date too.
    """
    latest = datetime.now(UTC) + timedelta(days=2)
    published_at = _first_date(
        [entity.get("datePublished"), entity.get("dateCreated")]
        + [value for key in _PUBLISHED_META for value in meta.get(key, [])]
        + pubdates,
        latest,
    )
    modified_at = _first_date(
        [entity.get("dateModified")]
        + [value for key in _MODIFIED_META for value in meta.get(key, [])],
        latest,
    )
    if published_at is not None:
        return PageDates(published_at, modified_at)
    sources = {"published_at": "htmldate"}
    published_at = parse_date(_htmldate(tree, url, original=True), latest)
    if modified_at is None:
        modified = parse_date(_htmldate(tree, url, original=False), latest)
        if modified and published_at and modified > published_at:
            modified_at = modified
            sources["modified_at"] = "htmldate"
    return PageDates(published_at, modified_at, sources)


def _first_date(values: list[Any], latest: datetime) -> datetime | None:
    for value in values:
        parsed = parse_date(value, latest)
        if parsed is not None:
            return parsed
    return None


def _htmldate(tree: HtmlElement, url: str | None, *, original: bool) -> str | None:
    try:
        found = find_date(tree, url=url, original_date=original, extensive_search=False)
    except Exception:  # htmldate raises assorted errors on odd markup
        logger.debug("htmldate failed for %s", url, exc_info=True)
        return None
    return str(found) if found else None


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
