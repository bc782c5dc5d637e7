"""Plain dataclasses that cross the storage boundary (ORM objects never leave storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

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

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


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
