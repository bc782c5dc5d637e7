"""Full-text search on SQLite: the ``versions_fts`` FTS5 index of migration 0002, ranked by bm25."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, column, func, literal_column, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from storage.models import Article, Site, Version
from storage.records import SearchHit
from storage.search.filters import version_filters
from storage.search.query import QUERY_ENDS_TOO_EARLY, cannot_search
from storage.search.request import SNIPPET_TOKENS, TITLE_WEIGHT, SearchRequest

__all__ = ["SqliteFts5Search"]


class SqliteFts5Search:
    """SQLite: FTS5 parses ``request.match`` (see storage.search.query.to_fts5)."""

    def _oldest_ranked(self, session: Session, request: SearchRequest) -> int | None:
        """The rowid below which matches go unranked, when there are too many to rank."""
        rowid = session.scalar(
            text(
                "SELECT rowid FROM versions_fts WHERE versions_fts MATCH :match "
                "ORDER BY rowid DESC LIMIT 1 OFFSET :offset"
            ),
            {"match": request.match, "offset": request.max_ranked - 1},
        )
        return None if rowid is None else int(rowid)

    def _statement(self, request: SearchRequest, oldest: int | None) -> Select[Any]:
        fts = table("versions_fts", column("rowid"))
        open_mark, close_mark = request.highlight
        fts_table: ColumnClause[Any] = literal_column("versions_fts")
        snippet = func.snippet(fts_table, 1, open_mark, close_mark, "…", SNIPPET_TOKENS)
        rank: ColumnClause[Any] = literal_column(f"bm25(versions_fts, {TITLE_WEIGHT}, 1.0)")
        query = (
            select(
                Article.url,
                Site.host,
                Version.number,
                Article.version_count,
                Version.title,
                Version.captured_at,
                snippet,
                rank,
            )
            .select_from(fts)
            .join(Version, Version.id == fts.c.rowid)
            .join(Article, Article.id == Version.article_id)
            .join(Site, Site.id == Article.site_id)
            .where(text("versions_fts MATCH :match").bindparams(match=request.match))
            .order_by(rank, Version.id.desc())
            .limit(request.limit)
            .offset(request.offset)
        )
        if oldest is not None:
            query = query.where(fts.c.rowid >= oldest)
        return query.where(*version_filters(request))

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]:
        try:
            oldest = self._oldest_ranked(session, request)
            rows = session.execute(self._statement(request, oldest)).all()
        except OperationalError as error:
            message = str(error.orig).removeprefix("fts5: ")
            if message.endswith('near ""'):
                message = QUERY_ENDS_TOO_EARLY
            raise cannot_search(request.query, message) from None
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
