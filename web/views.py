"""Presentation of archive records: timeline rows, change descriptions, word diffs, links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from storage.diffs import word_diff
from storage.records import VersionRecord, VersionSummary
from storage.timeutil import as_utc

_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class TimelineEntry:
    """One version on an article's timeline: when, what changed, how much."""

    version: int
    captured_at: datetime
    last_confirmed_at: datetime
    title: str | None
    words: int
    fields: list[str] = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0
    notices: list[str] = field(default_factory=list)
    stealth_edit: bool = False
    flipflop_of: int | None = None
    archive: str | None = None  # first seen in this web archive (backfilled)
    memento_url: str | None = None

    @property
    def summary(self) -> str:
        return describe_change(self)


@dataclass(frozen=True)
class DiffRun:
    """A run of text in a word diff: '=' kept, '-' removed, '+' added."""

    op: Literal["=", "-", "+"]
    text: str


@dataclass(frozen=True)
class VersionDiff:
    """Word-level differences between two versions, field by field."""

    old: VersionRecord
    new: VersionRecord
    title: list[DiffRun]
    byline: list[DiffRun]
    text: list[DiffRun]

    @property
    def changed(self) -> bool:
        return any(run.op != "=" for run in (*self.title, *self.byline, *self.text))


def timeline_entry(summary: VersionSummary) -> TimelineEntry:
    return change_entry(
        summary.version,
        summary.captured_at,
        summary.title,
        summary.change,
        words=summary.words,
        last_confirmed_at=summary.last_confirmed_at,
        archive=summary.archive,
        memento_url=summary.memento_url,
    )


def change_entry(
    version: int,
    captured_at: datetime,
    title: str | None,
    change: dict[str, Any] | None,
    *,
    words: int = 0,
    last_confirmed_at: datetime | None = None,
    archive: str | None = None,
    memento_url: str | None = None,
) -> TimelineEntry:
    """A timeline row from a version's number, time, title and stored ``change`` JSON."""
    change = change or {}
    return TimelineEntry(
        version=version,
        captured_at=captured_at,
        last_confirmed_at=last_confirmed_at or captured_at,
        title=title,
        words=words,
        fields=list(change.get("fields", [])),
        words_added=int(change.get("words_added", 0)),
        words_removed=int(change.get("words_removed", 0)),
        notices=list(change.get("notices", [])),
        stealth_edit=bool(change.get("stealth_edit", False)),
        flipflop_of=change.get("flipflop_of"),
        archive=archive,
        memento_url=memento_url,
    )


def archive_name(archive: str | None) -> str:
    """How a web archive is named to a reader: its host ('web.archive.org')."""
    if not archive:
        return ""
    try:
        return urlsplit(archive).netloc or archive
    except ValueError:
        return archive


def describe_change(entry: TimelineEntry) -> str:
    """'headline, body; +12/-3 words; flip-flop (same as v1)', or 'first version'.

    A version first seen in a web archive starts with 'backfilled from HOST'.
    """
    backfilled = f"backfilled from {archive_name(entry.archive)}; " if entry.archive else ""
    if entry.version == 1:
        return backfilled + "first version"
    parts = [backfilled.removesuffix("; ")] if backfilled else []
    parts.append(", ".join(entry.fields) or "metadata")
    if entry.words_added or entry.words_removed:
        parts.append(f"+{entry.words_added}/-{entry.words_removed} words")
    if entry.notices:
        parts.append("notice: " + entry.notices[0][:60])
    if entry.stealth_edit:
        parts.append("stealth edit")
    if entry.flipflop_of:
        parts.append(f"flip-flop (same as v{entry.flipflop_of})")
    return "; ".join(parts)


def _runs(old: str, new: str) -> list[DiffRun]:
    return [DiffRun(op, text) for op, text in word_diff(old, new)]


def version_diff(old: VersionRecord, new: VersionRecord) -> VersionDiff:
    return VersionDiff(
        old=old,
        new=new,
        title=_runs(old.title or "", new.title or ""),
        byline=_runs(", ".join(old.authors), ", ".join(new.authors)),
        text=_runs(old.text, new.text),
    )


def snippet_segments(snippet: str, open_mark: str, close_mark: str) -> list[tuple[str, bool]]:
    """Split a search snippet into (text, is_match) pieces, for escaping piece by piece."""
    segments: list[tuple[str, bool]] = []
    for chunk in snippet.split(open_mark):
        if close_mark in chunk:
            matched, rest = chunk.split(close_mark, 1)
            segments.append((matched, True))
            chunk = rest
        if chunk:
            segments.append((chunk, False))
    return [(text.replace(close_mark, ""), hit) for text, hit in segments if text]


def web_link(url: str | None) -> str | None:
    """``url`` if it is a plain http(s) URL safe to put in an href, else None."""
    if not url or any(ord(c) < 0x21 for c in url):
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def path_with(path: str, **params: object) -> str:
    """``path`` with query parameters (None values left out), encoded."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{path}?{query}" if query else path


def http_date(value: datetime) -> str:
    """RFC 7231 HTTP-date, as Memento-Datetime and Link datetime attributes want it."""
    return format_datetime(as_utc(value).replace(microsecond=0), usegmt=True)


def iso(value: datetime | None) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def display_time(value: datetime | None) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else "–"


def xml_safe(text: str) -> str:
    """``text`` without characters XML 1.0 forbids (archived text may carry any)."""
    return _XML_UNSAFE.sub("", text)
