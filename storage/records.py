"""Plain dataclasses that cross the storage boundary (ORM objects never leave storage)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from storage.capture_http import CaptureHttp

CaptureOutcome = Literal["new", "changed", "unchanged", "not_modified", "error"]


@dataclass(frozen=True)
class FetchedPage:
    """What one fetch returned, as the crawler hands it to storage."""

    requested_url: str
    final_url: str | None
    fetched_at: datetime
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    redirect_urls: tuple[str, ...] = ()
    # The exchange as on the wire (heads, redirect hops), when the fetcher recorded it.
    http: CaptureHttp | None = None
    # When ``body`` is the DOM a browser rendered: the body the server sent for the page.
    server_body: bytes | None = None
    # The sha256 of ``body``, once known. Not an argument: a page made from this one with
    # ``replace`` (another body, maybe) starts without it and hashes its own body.
    _body_sha256: str | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def body_sha256(self) -> str | None:
        """The hex sha256 of ``body`` (None without a body), computed once per page."""
        if self.body is None:
            return None
        if self._body_sha256 is None:
            self.note_body_sha256(hashlib.sha256(self.body).hexdigest())
        return self._body_sha256

    def note_body_sha256(self, digest: str) -> None:
        """Remember ``digest`` as the sha256 of ``body``: its reader hashed it already."""
        object.__setattr__(self, "_body_sha256", digest)


@dataclass(frozen=True)
class CaptureFailure:
    """Why a fetch produced no version: a machine-readable reason and a one-line message."""

    reason: str
    message: str


@dataclass(frozen=True)
class CaptureResult:
    """The outcome of recording one capture."""

    url: str
    requested_url: str
    final_url: str | None
    status: CaptureOutcome
    capture_id: int
    article_id: int | None = None
    version: int | None = None
    title: str | None = None
    error_reason: str | None = None
    error: str | None = None
    # The published date ``version`` declares (None: none, or no version): what scheduling the
    # article's next visit counts its age from (``schedule_revisit``).
    published_at: datetime | None = None


@dataclass(frozen=True)
class VersionSummary:
    """One line of an article's history."""

    version: int
    captured_at: datetime
    last_confirmed_at: datetime
    title: str | None
    content_hash: str
    words: int
    origin: str
    extractor_version: str
    change: dict[str, Any] | None
    # First seen in a web archive (docs/backfill.md): which one, and the memento URL; else None.
    archive: str | None = None
    memento_url: str | None = None
    body_source: str | None = None  # html, jsonld, embedded_data, amp, rendered; None: older


@dataclass(frozen=True)
class VersionRecord:
    """One version of an article in full."""

    url: str
    version: int
    version_count: int
    captured_at: datetime
    last_confirmed_at: datetime
    title: str | None
    authors: list[str]
    published_at: datetime | None
    modified_at: datetime | None
    description: str | None
    text: str
    language: str | None
    site_name: str | None
    top_image: str | None
    section: str | None
    tags: list[str]
    paywalled: bool | None
    content_hash: str
    extractor: str
    extractor_version: str
    origin: str
    change: dict[str, Any] | None
    body_source: str | None = None  # html, jsonld, embedded_data, amp, rendered; None: older
    archive: str | None = None  # first seen in this web archive (backfilled); None: our fetch
    memento_url: str | None = None


@dataclass(frozen=True)
class SearchHit:
    """One full-text search result: a version of an article, ranked, with a highlighted snippet.

    ``score`` is the negated bm25 rank (higher is a better match); it compares hits of one
    search only.
    """

    url: str
    site: str
    version: int
    version_count: int
    title: str | None
    captured_at: datetime
    snippet: str
    score: float


@dataclass(frozen=True)
class ArticleListing:
    """One line of the article list: the article with its latest version's title."""

    url: str
    site: str
    title: str | None
    versions: int
    first_seen: datetime
    last_captured: datetime | None
    last_changed: datetime | None
    published_at: datetime | None


@dataclass(frozen=True)
class SiteStats:
    """Counts for one site; ``last_crawl`` is its most recent capture of any outcome."""

    site: str
    name: str | None
    articles: int
    versions: int
    captures: int
    errors: int
    last_crawl: datetime | None


@dataclass(frozen=True)
class ExportedVersion:
    """One version with its article's URL and site: one line of a JSONL or CSV export."""

    url: str
    site: str
    first_seen_at: datetime
    version: int
    captured_at: datetime
    last_confirmed_at: datetime
    title: str | None
    authors: list[str]
    published_at: datetime | None
    modified_at: datetime | None
    description: str | None
    text: str
    language: str | None
    site_name: str | None
    top_image: str | None
    section: str | None
    tags: list[str]
    paywalled: bool | None
    content_hash: str
    extractor: str
    extractor_version: str
    origin: str
    change: dict[str, Any] | None
    body_source: str | None = None  # html, jsonld, embedded_data, amp, rendered; None: older


@dataclass
class ImportSummary:
    """What an import did; ``problems`` holds one readable line per skipped record."""

    articles_created: int = 0
    versions_imported: int = 0
    versions_present: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: ImportSummary) -> None:
        self.articles_created += other.articles_created
        self.versions_imported += other.versions_imported
        self.versions_present += other.versions_present
        self.problems.extend(other.problems)


@dataclass(frozen=True)
class WarcSummary:
    """What a WARC export wrote."""

    responses: int
    revisits: int
    requests: int = 0
    redirects: int = 0
    synthesised: int = 0
    left_out: int = 0
    conversions: int = 0  # rendered pages: the browser's DOM beside the server's response


@dataclass(frozen=True)
class ReextractCandidate:
    """The stored body behind an article's latest version: what re-extraction starts from."""

    article_id: int
    url: str
    version: int
    capture_id: int
    raw_body_sha256: str
    content_type: str | None
    fetched_at: datetime


ReextractStatus = Literal[
    "reextracted", "would_change", "unchanged", "collapsed", "empty", "stale", "failed"
]


@dataclass(frozen=True)
class ReextractResult:
    """What re-extracting one article did; ``version`` is the article's latest version after."""

    url: str
    status: ReextractStatus
    version: int
    detail: str | None = None
