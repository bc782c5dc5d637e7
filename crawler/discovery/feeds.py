"""Reading RSS 0.9x/1.0/2.0, Atom and JSON Feed documents into article links with dates."""

from __future__ import annotations

import calendar
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

log = logging.getLogger(__name__)


class FeedError(ValueError):
    """The document is not a feed we can read."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    published_at: datetime | None
    title: str | None = None


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC)


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise FeedError(f"invalid JSON Feed: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise FeedError("JSON document without an 'items' list")
    entries = []
    for item in document["items"]:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if isinstance(url, str) and url:
            published = _iso(item.get("date_published")) or _iso(item.get("date_modified"))
            entries.append(FeedEntry(urljoin(base_url, url), published, item.get("title")))
    return entries


def parse_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """The entries of a feed, with absolute links and publication dates where given."""
    if body.lstrip()[:1] in (b"{", b"["):
        return _json_feed(body, base_url)
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no entries"
        raise FeedError(f"not a readable feed: {reason}")
    entries = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        published = _struct_time(entry.get("published_parsed")) or _struct_time(
            entry.get("updated_parsed")
        )
        entries.append(FeedEntry(urljoin(base_url, link), published, entry.get("title")))
    return entries
