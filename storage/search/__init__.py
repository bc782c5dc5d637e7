"""Full-text search over version titles and texts, with one search backend per SQL dialect.

``search(session, query, ...)`` is the entry point (``engine.py``). The query language, the
same on every backend, is parsed in ``query.py``; ``filters.py`` turns a SearchRequest's
site, date and version filters into WHERE clauses; ``sqlite.py`` (FTS5) and ``postgres.py``
(tsvector, imported on first use) run it. ``backend_for(dialect)`` gives a dialect's backend.
"""

from __future__ import annotations

from storage.search.engine import SearchUnavailable, backend_for, search
from storage.search.query import InvalidQuery, to_fts5
from storage.search.request import (
    DEFAULT_HIGHLIGHT,
    MAX_RANKED,
    SearchBackend,
    SearchRequest,
)

__all__ = [
    "DEFAULT_HIGHLIGHT",
    "MAX_RANKED",
    "InvalidQuery",
    "SearchBackend",
    "SearchRequest",
    "SearchUnavailable",
    "backend_for",
    "search",
    "to_fts5",
]
