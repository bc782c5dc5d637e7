"""What every search backend receives (SearchRequest), the protocol it implements, and the
ranking and snippet settings all backends share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from storage.records import SearchHit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "DEFAULT_HIGHLIGHT",
    "SNIPPET_TOKENS",
    "TITLE_WEIGHT",
    "SearchBackend",
    "SearchRequest",
]

DEFAULT_HIGHLIGHT = ("**", "**")
TITLE_WEIGHT = 5.0
SNIPPET_TOKENS = 24


@dataclass(frozen=True)
class SearchRequest:
    """One search, as every backend receives it; ``match`` is already in FTS5 syntax.

    Every filter is applied inside the ranked query, before ``limit`` and ``offset``: every
    match is reachable by paging, however many versions match.
    """

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


class SearchBackend(Protocol):
    """Runs a search on one SQL dialect (storage.search.sqlite, storage.search.postgres)."""

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]: ...

    def count(self, session: Session, request: SearchRequest) -> int: ...
