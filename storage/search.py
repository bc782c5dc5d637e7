"""Full-text search over version titles and texts, with one search backend per SQL dialect.

Query language (the same on every backend): words (all must match), "exact phrases", prefix*
(``escap*``), AND / OR / NOT between terms (upper case), parentheses, and ``title:`` or
``text:`` before a term to search one field. Words with punctuation (``covid-19``, ``U.S.``)
are matched as phrases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, column, func, literal_column, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from storage.errors import StorageError
from storage.listing import site_matches
from storage.models import Article, Site, Version
from storage.records import SearchHit

DEFAULT_HIGHLIGHT = ("**", "**")
# bm25 costs ~2 µs per matching version on SQLite: a query matching more versions than this
# ranks only the newest this many of them, which keeps a search for a very common word fast.
MAX_RANKED = 10_000
TITLE_WEIGHT = 5.0
SNIPPET_TOKENS = 24


class InvalidQuery(StorageError):
    """The search query cannot be parsed; the message says what to fix."""


class SearchUnavailable(StorageError):
    """This database has no full-text search backend (yet)."""


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
    """Runs a search on one SQL dialect (FTS5 here; tsvector in storage/search_postgres.py)."""

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]: ...


_TOKEN = re.compile(
    r'\s*(?:(?P<phrase>"[^"]*"\*?)|(?P<paren>[()])|(?P<word>[^\s()"]+)|(?P<quote>"))'
)
_BAREWORD = re.compile(r"^\w+$")
_OPERATORS = {"AND", "OR", "NOT"}
_COLUMNS = ("title:", "text:")


def _term(word: str) -> str:
    prefix = word.endswith("*")
    core = word.rstrip("*")
    if not core:
        raise InvalidQuery(f"a lone '{word}' is not a search term; put it after a word: escap*")
    quoted = core if _BAREWORD.match(core) else '"' + core.replace('"', '""') + '"'
    return quoted + ("*" if prefix else "")


def to_fts5(query: str) -> str:
    """Translate the user's query into FTS5 syntax; raise InvalidQuery on unbalanced quotes."""
    parts: list[str] = []
    for match in _TOKEN.finditer(query):
        if match["quote"]:
            raise InvalidQuery(f"unbalanced double quote in search query {query!r}")
        if match["phrase"] or match["paren"]:
            parts.append(match["phrase"] or match["paren"])
            continue
        word = match["word"]
        if word in _OPERATORS:
            parts.append(word)
            continue
        column_name = next((c for c in _COLUMNS if word.lower().startswith(c)), None)
        if column_name is not None:
            rest = word[len(column_name) :]
            parts.append(column_name[:-1] + " : " + (_term(rest) if rest else ""))
        else:
            parts.append(_term(word))
    translated = " ".join(parts).replace(": (", ":(").strip()
    if not translated:
        raise InvalidQuery("empty search query: give at least one word")
    return translated


class SqliteFts5Search:
    """SQLite: the ``versions_fts`` FTS5 index from migration 0002, ranked by bm25."""

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
        if not request.all_versions:
            query = query.where(Version.number == Article.version_count)
        if request.changed_only:
            query = query.where(Article.version_count > 1)
        if request.site:
            query = query.where(site_matches(request.site))
        if request.since is not None:
            query = query.where(Version.captured_at >= request.since)
        if request.until is not None:
            query = query.where(Version.captured_at < request.until)
        return query

    def search(self, session: Session, request: SearchRequest) -> list[SearchHit]:
        try:
            oldest = self._oldest_ranked(session, request)
            rows = session.execute(self._statement(request, oldest)).all()
        except OperationalError as error:
            message = str(error.orig).removeprefix("fts5: ")
            if message.endswith('near ""'):
                message = "the query ends too early (an operator or '(' with nothing after it)"
            raise InvalidQuery(
                f'cannot search for {request.query!r}: {message} (use words, "exact phrases", '
                "prefix*, and AND / OR / NOT between terms)"
            ) from None
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


def backend_for(dialect: str) -> SearchBackend:
    """The search backend for a SQL dialect name; SearchUnavailable if there is none."""
    if dialect == "sqlite":
        return _SQLITE
    if dialect == "postgresql":
        # Imported on first use: it loads SQLAlchemy's PostgreSQL dialect (every driver's
        # module), which a crawl on SQLite never needs.
        from storage.search_postgres import PostgresTextSearch

        return PostgresTextSearch()
    raise SearchUnavailable(
        f"full-text search is not available on {dialect} (SQLite and PostgreSQL have it)"
    )


_SQLITE = SqliteFts5Search()


def search(
    session: Session,
    query: str,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    all_versions: bool = False,
    changed_only: bool = False,
    limit: int = 20,
    offset: int = 0,
    highlight: tuple[str, str] = DEFAULT_HIGHLIGHT,
    max_ranked: int = MAX_RANKED,
) -> list[SearchHit]:
    """Versions whose title or text match ``query``, best match first.

    Searches each article's latest version, or every version with ``all_versions`` (to find
    text that a later edit removed). ``site`` keeps one site and its subdomains; ``since`` /
    ``until`` bound the version's capture time; ``changed_only`` keeps articles with more than
    one version. Matches in the snippet are wrapped in ``highlight``. Raises InvalidQuery for a
    malformed query and SearchUnavailable on a database without a search backend.

    A query matching more than ``max_ranked`` versions ranks only the newest ``max_ranked`` of
    them (bm25 is computed per match; this bounds the time a very common word takes).
    """
    if limit < 1:
        raise InvalidQuery("the result limit must be at least 1")
    request = SearchRequest(
        query=query,
        match=to_fts5(query),
        site=site,
        since=since,
        until=until,
        all_versions=all_versions,
        changed_only=changed_only,
        limit=limit,
        offset=offset,
        highlight=highlight,
        max_ranked=max_ranked,
    )
    dialect = session.get_bind().dialect.name
    return backend_for(dialect).search(session, request)
