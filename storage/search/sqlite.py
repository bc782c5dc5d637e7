"""Full-text search on SQLite: the ``versions_fts`` FTS5 index (migrations 0002, 0014), by bm25.

The index holds each version's folded, segmented text (storage.script.search_text), which the
query gets too (storage.search.query.to_fts5). One statement: the ranked step joins each match
to its version, article and site, applies every filter, ranks what is left and keeps one page
(``LIMIT``/``OFFSET``); only that page's texts are read, for their snippets (made in Python by
storage.search.snippet, since FTS5's own would mark the indexed text). Nothing caps the ranked
set, so every match is reachable by paging. A query matching more than ``BROAD_MATCHES``
versions is listed newest first instead of ranked (storage/search/broad.py: its cost would
follow the archive's size); the time limit (storage.search.bounds) bounds what remains.
Plain SQL on the sqlite3 connection (storage.reading): the read-only commands need no SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from storage.reading import Reads, SqliteReads, reads_of, required_time
from storage.records import SearchHit
from storage.search.broad import is_broad, newest_page
from storage.search.filters import filter_sql
from storage.search.query import QUERY_ENDS_TOO_EARLY, InvalidQuery, cannot_search
from storage.search.request import SNIPPET_TOKENS, TITLE_WEIGHT, SearchRequest
from storage.search.snippet import make_snippet, query_terms

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["SqliteFts5Search"]

_MATCHING = (
    "FROM versions_fts JOIN versions ON versions.id = versions_fts.rowid "
    "JOIN articles ON articles.id = versions.article_id "
    "JOIN sites ON sites.id = articles.site_id WHERE versions_fts MATCH :match"
)
_RANK = f"bm25(versions_fts, {TITLE_WEIGHT}, 1.0)"
_HITS = (
    "SELECT articles.url, sites.host, versions.number, articles.version_count, "
    "versions.title, versions.captured_at, versions.text, hits.rank FROM ({page}) AS hits "
    "JOIN versions ON versions.id = hits.version_id "
    "JOIN articles ON articles.id = versions.article_id "
    "JOIN sites ON sites.id = articles.site_id ORDER BY {order}"
)
_RANKED_ORDER = "hits.rank, versions.id DESC"
_NEWEST_ORDER = "versions.captured_at DESC, versions.id DESC"


def _matching(request: SearchRequest) -> tuple[str, dict[str, Any]]:
    """The FROM and WHERE of the matches that pass the request's filters, and parameters."""
    conditions, params = filter_sql(request)
    sql = "".join(f" AND {condition}" for condition in conditions)
    return _MATCHING + sql, {"match": request.match, **params}


def _page(request: SearchRequest) -> tuple[str, dict[str, Any]]:
    """One page of ranked matches: (version id, rank), best first."""
    matching, params = _matching(request)
    sql = (
        f"SELECT versions.id AS version_id, {_RANK} AS rank {matching} "
        "ORDER BY rank, versions.id DESC LIMIT :limit OFFSET :offset"
    )
    return sql, {**params, "limit": request.limit, "offset": request.offset}


def _invalid(request: SearchRequest, error: sqlite3.OperationalError) -> InvalidQuery:
    message = str(error).removeprefix("fts5: ")
    if message.endswith('near ""'):
        message = QUERY_ENDS_TOO_EARLY
    return cannot_search(request.query, message)


def _sqlite(source: Session | Reads) -> SqliteReads:
    reads = reads_of(source)
    if not isinstance(reads, SqliteReads):
        raise TypeError(f"SQLite search on a {reads.dialect} database")
    return reads


class SqliteFts5Search:
    """SQLite: FTS5 parses ``request.match`` (see storage.search.query.to_fts5)."""

    def search(self, source: Session | Reads, request: SearchRequest) -> list[SearchHit]:
        reads = _sqlite(source)
        try:
            broad = is_broad(reads, request)
            page, params = newest_page(reads, request) if broad else _page(request)
            order = _NEWEST_ORDER if broad else _RANKED_ORDER
            rows = reads.rows(_HITS.format(page=page, order=order), params)
        except sqlite3.OperationalError as error:
            raise _invalid(request, error) from None
        terms = query_terms(request.query)
        return [
            SearchHit(
                url=url,
                site=host,
                version=number,
                version_count=count,
                title=title,
                captured_at=required_time(captured_at),
                snippet=make_snippet(body, terms, SNIPPET_TOKENS, request.highlight),
                score=-float(rank),
            )
            for url, host, number, count, title, captured_at, body, rank in rows
        ]

    def count(self, source: Session | Reads, request: SearchRequest) -> int:
        matching, params = _matching(request)
        try:
            return int(_sqlite(source).rows(f"SELECT count(*) {matching}", params)[0][0] or 0)
        except sqlite3.OperationalError as error:
            raise _invalid(request, error) from None
