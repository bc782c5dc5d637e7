"""What every search backend receives (SearchRequest), the protocol it implements, and the
ranking and snippet settings all backends share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from storage.records import SearchHit

__all__ = [
    "DEFAULT_HIGHLIGHT",
    "MAX_RANKED",
    "SNIPPET_TOKENS",
    "TITLE_WEIGHT",
    "SearchBackend",
    "SearchRequest",
]

DEFAULT_HIGHLIGHT = ("**", "**")
# bm25 costs ~2 µs per matching version on SQLite: a query matching more versions than this
# ranks only the newest this many of them, which keeps a search for a very common word fast.
MAX_RANKED = 10_000
TITLE_WEIGHT = 5.0
SNIPPET_TOKENS = 24


@dataclass(frozen=True)
class SearchRequest:
    """One search, as every backend receives it; ``match`` is already in FTS5 syntax."""

    query: str
    match: str
    site: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    all_versions: bool = False
    changed_only: bool = False
    limit: int = 20
    offset: int = 0
    highlight: tuple[str, str] = DEFAULT_HIGHLIGHT
    max_ranked: int = MAX_RANKED


class SearchBackend(Protocol):
    """Runs a search on one SQL dialect (storage.search.sqlite, storage.search.postgres)."""

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]: ...
