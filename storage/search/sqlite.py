"""Full-text search on SQLite: the ``versions_fts`` FTS5 index (migrations 0002, 0014), by bm25.

The index holds each version's folded, segmented text (storage.script.search_text), which the
query gets too (storage.search.query.to_fts5). One statement: the ranked step joins each match
to its version, article and site, applies every filter, ranks what is left and keeps one page
(``LIMIT``/``OFFSET``); only that page's texts are read, for their snippets (made in Python by
storage.search.snippet, since FTS5's own would mark the indexed text). Nothing caps the ranked
set, so every match is reachable by paging. A query matching more than ``BROAD_MATCHES``
versions is listed newest first instead of ranked (storage/search/broad.py: its cost would
follow the archive's size); the time limit (storage.search.bounds) bounds what remains.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, column, func, literal_column, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause, TableClause

from storage.models import Article, Site, Version
from storage.records import SearchHit
from storage.search.broad import is_broad, newest_page
from storage.search.filters import hit_rows, version_filters
from storage.search.query import QUERY_ENDS_TOO_EARLY, InvalidQuery, cannot_search
from storage.search.request import SNIPPET_TOKENS, TITLE_WEIGHT, SearchRequest
from storage.search.snippet import make_snippet, query_terms

__all__ = ["SqliteFts5Search"]


def _fts() -> TableClause:
    return table("versions_fts", column("rowid"))


def _matching(request: SearchRequest, *columns: Any) -> Select[Any]:
    """``columns`` of the matches that pass the request's filters (versions_fts joined)."""
    fts = _fts()
    return (
        select(*columns)
        .select_from(fts)
        .join(Version, Version.id == fts.c.rowid)
        .join(Article, Article.id == Version.article_id)
        .join(Site, Site.id == Article.site_id)
        .where(text("versions_fts MATCH :match").bindparams(match=request.match))
        .where(*version_filters(request))
    )


def _page(request: SearchRequest) -> Select[Any]:
    """One page of ranked matches: (version id, rank), best first."""
    rank: ColumnClause[Any] = literal_column(f"bm25(versions_fts, {TITLE_WEIGHT}, 1.0)")
    return (
        _matching(request, Version.id.label("version_id"), rank.label("rank"))
        .order_by(rank, Version.id.desc())
        .limit(request.limit)
        .offset(request.offset)
    )


def _statement(page: Select[Any], newest_first: bool) -> Select[Any]:
    hits = page.subquery("hits")
    rows = hit_rows(hits, Version.text.expression, hits)
    if newest_first:
        return rows.order_by(Version.captured_at.desc(), Version.id.desc())
    return rows.order_by(hits.c.rank, Version.id.desc())


def _invalid(request: SearchRequest, error: OperationalError) -> InvalidQuery:
    message = str(error.orig).removeprefix("fts5: ")
    if message.endswith('near ""'):
        message = QUERY_ENDS_TOO_EARLY
    return cannot_search(request.query, message)


class SqliteFts5Search:
    """SQLite: FTS5 parses ``request.match`` (see storage.search.query.to_fts5)."""

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]:
        try:
            broad = is_broad(session, request)
            page = newest_page(session, request) if broad else _page(request)
            rows = session.execute(_statement(page, broad)).all()
        except OperationalError as error:
            raise _invalid(request, error) from None
        terms = query_terms(request.query)
        return [
            SearchHit(
                url=url,
                site=host,
                version=number,
                version_count=count,
                title=title,
                captured_at=captured_at,
                snippet=make_snippet(body, terms, SNIPPET_TOKENS, request.highlight),
                score=-float(rank),
            )
            for url, host, number, count, title, captured_at, body, rank in rows
        ]

    def count(self, session: Session, request: SearchRequest) -> int:
        try:
            return int(session.scalar(_matching(request, func.count())) or 0)
        except OperationalError as error:
            raise _invalid(request, error) from None
