"""Reading RSS 0.9x/1.0/2.0, Atom and JSON Feed documents into article links with dates."""

from __future__ import annotations

import calendar
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from crawler.discovery.urls import MALFORMED_URL, absolute_url

log = logging.getLogger(__name__)
NO_LINK = "entry_without_link"


class FeedError(ValueError):
    """The document is not a feed we can read."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    published_at: datetime | None
    title: str | None = None


@dataclass
class FeedDocument:
    """A feed's usable entries, and how many it listed that were skipped (by reason)."""

    entries: list[FeedEntry] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, link: object, base_url: str, published: datetime | None, title: Any) -> None:
        """Keep an entry whose link is a usable URL; count it as ``malformed_url`` otherwise."""
        url = absolute_url(link, base_url)
        if url is None:
            self.skipped[MALFORMED_URL] = self.skipped.get(MALFORMED_URL, 0) + 1
            return
        self.entries.append(FeedEntry(url, published, title if isinstance(title, str) else None))


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json_feed(body: bytes, base_url: str) -> FeedDocument:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise FeedError(f"invalid JSON Feed: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise FeedError("JSON document without an 'items' list")
    feed = FeedDocument()
    for item in document["items"]:
        if not isinstance(item, dict):
            continue
        url = item.get("url") or item.get("external_url")
        if url:
            published = _iso(item.get("date_published")) or _iso(item.get("date_modified"))
            feed.add(url, base_url, published, item.get("title"))
    return feed


def parse_feed(body: bytes, base_url: str) -> FeedDocument:
    """The entries of a feed, with absolute links and publication dates where given.

    An entry whose link is malformed is skipped and counted; the others are kept.
    """
    if body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return _json_feed(body, base_url)
    try:
        parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    except Exception as error:  # feedparser on hostile bytes: a bad document, not a crash
        raise FeedError(f"not a readable feed: {error}") from None
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no entries"
        raise FeedError(f"not a readable feed: {reason}")
    feed = FeedDocument()
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:  # none given, or one feedparser could not resolve (``http://[::1``)
            feed.skipped[NO_LINK] = feed.skipped.get(NO_LINK, 0) + 1
            continue
        published = _struct_time(entry.get("published_parsed")) or _struct_time(
            entry.get("updated_parsed")
        )
        feed.add(link, base_url, published, entry.get("title"))
    return feed
