"""Full-text search on SQLite: the ``versions_fts`` FTS5 index of migration 0002, ranked by bm25.

Two steps in one statement: the ranked step joins each match to its version, article and site,
applies every filter, ranks what is left and keeps one page (``LIMIT``/``OFFSET``); only that
page's rows then get a snippet (the costly part: FTS5 re-reads the text). Nothing caps the ranked
set, so every match is reachable by paging. A query matching more than ``BROAD_MATCHES``
versions is listed newest first instead of ranked (storage/search/broad.py: its cost would
follow the archive's size); the time limit (storage.search.bounds) bounds what remains.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, column, func, literal_column, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause, TableClause

from storage.models import Article, Site, Version
from storage.records import SearchHit
from storage.search.broad import is_broad, newest_page
from storage.search.filters import hit_rows, version_filters
from storage.search.query import QUERY_ENDS_TOO_EARLY, InvalidQuery, cannot_search
from storage.search.request import SNIPPET_TOKENS, TITLE_WEIGHT, SearchRequest

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


def _statement(request: SearchRequest, page: Select[Any], newest_first: bool) -> Select[Any]:
    hits = page.subquery("hits")
    fts = _fts()
    open_mark, close_mark = request.highlight
    fts_table: ColumnClause[Any] = literal_column("versions_fts")
    snippet: Any = func.snippet(fts_table, 1, open_mark, close_mark, "…", SNIPPET_TOKENS)
    in_index = text("versions_fts MATCH :snippet_match").bindparams(snippet_match=request.match)
    if newest_first:
        # The page is a list of ids: one index lookup each for its snippet (a join would let
        # SQLite walk every match of the broad query to find them).
        snippet = (
            select(snippet)
            .select_from(fts)
            .where(in_index, fts.c.rowid == hits.c.version_id)
            .scalar_subquery()
        )
        return hit_rows(hits, snippet, hits).order_by(Version.captured_at.desc(), Version.id.desc())
    matched = hits.join(fts, and_(fts.c.rowid == hits.c.version_id, in_index))
    return hit_rows(hits, snippet, matched).order_by(hits.c.rank, Version.id.desc())


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
            rows = session.execute(_statement(request, page, broad)).all()
        except OperationalError as error:
            raise _invalid(request, error) from None
        return [
            SearchHit(
                url=url,
                site=host,
                version=number,
                version_count=count,
                title=title,
                captured_at=captured_at,
                snippet=snippet,
                score=-float(rank),
            )
            for url, host, number, count, title, captured_at, snippet, rank in rows
        ]

    def count(self, session: Session, request: SearchRequest) -> int:
        try:
            return int(session.scalar(_matching(request, func.count())) or 0)
        except OperationalError as error:
            raise _invalid(request, error) from None
