"""Queries that match a large part of the archive (SQLite): newest first, read off an index.

Ranking by bm25 scores every match, so its cost follows the number of matches: a word found
in most versions ("said") costs seconds at a million versions. Such a word also tells bm25
almost nothing (its inverse document frequency is about zero), so a query with more than
``BROAD_MATCHES`` matches lists them newest first instead (by capture time): the versions are
walked down the ``captured_at`` index a chunk at a time, filtered, and each chunk intersected
with the search index's matches in the chunk's id range, until the page is full. The cost
follows the page's depth and the filters' selectivity, not the archive's size (ids roughly
follow capture times; an archive imported out of order makes the id ranges wider); every
match is still reachable by paging and ``count`` is unchanged. Whether a query is broad is
decided by counting its matches up to
``BROAD_MATCHES + 1`` (cheap: the search index's own rowids, nothing joined).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    column,
    func,
    literal,
    select,
    table,
    text,
    tuple_,
    type_coerce,
)
from sqlalchemy.orm import Session

from storage.listing import site_matches
from storage.models import Article, Site, Version
from storage.search.request import SearchRequest

__all__ = ["BROAD_MATCHES", "is_broad", "newest_page", "walk_filters"]

BROAD_MATCHES = 5_000
MAX_CHUNK = 5_000  # versions read per step (fewer for a first page)


def is_broad(session: Session, request: SearchRequest) -> bool:
    """Whether the query's matches (before filters) exceed BROAD_MATCHES."""
    matches = (
        select(column("rowid"))
        .select_from(table("versions_fts"))
        .where(text("versions_fts MATCH :broad_match").bindparams(broad_match=request.match))
        .limit(BROAD_MATCHES + 1)
        .subquery()
    )
    return (session.scalar(select(func.count()).select_from(matches)) or 0) > BROAD_MATCHES


def _article(column_: Any) -> Any:
    """The version's article's ``column_`` (a primary-key lookup per row, no join to reorder)."""
    return select(column_).where(Article.id == Version.article_id).scalar_subquery()


def walk_filters(session: Session, request: SearchRequest) -> list[ColumnElement[bool]]:
    """The request's filters on a version alone (its article read by primary key per row):
    a walk down the ``captured_at`` index checks them row by row (PostgreSQL's too)."""
    conditions: list[ColumnElement[bool]] = []
    if request.since is not None:
        conditions.append(Version.captured_at >= request.since)
    if request.until is not None:
        conditions.append(Version.captured_at < request.until)
    if not request.all_versions:
        conditions.append(Version.number == _article(Article.version_count))
    if request.changed_only:
        conditions.append(_article(Article.version_count) > 1)
    if request.site:
        site_ids = list(session.scalars(select(Site.id).where(site_matches(request.site))))
        conditions.append(_article(Article.site_id).in_(site_ids))
    return conditions


def _matching_ids(session: Session, request: SearchRequest, low: int, high: int) -> set[int]:
    """The search index's matches with a rowid in [low, high] (one seek, then a short walk).

    Read through the driver's cursor: thousands of plain integers, no row objects needed.
    """
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(
            "SELECT rowid FROM versions_fts WHERE versions_fts MATCH ? AND rowid BETWEEN ? AND ?",
            (request.match, low, high),
        )
        return {row[0] for row in cursor.fetchall()}
    finally:
        cursor.close()


def newest_page(session: Session, request: SearchRequest) -> Select[Any]:
    """One page of matches, newest first: (version id, rank) with rank 0 (not ranked).

    Versions passing the filters are read down the ``captured_at`` index a chunk at a time;
    each chunk's ids are intersected with the index's matches in the chunk's id range, until
    the page is full.
    """
    filters = walk_filters(session, request)
    # The column as stored (text on SQLite): compared and ordered the same, not converted.
    stored_at = type_coerce(Version.captured_at, String())
    wanted = request.offset + request.limit
    found: list[int] = []
    after: tuple[Any, int] | None = None
    while len(found) < wanted:
        chunk_query = select(stored_at, Version.id).where(*filters)
        if after is not None:
            chunk_query = chunk_query.where(tuple_(stored_at, Version.id) < after)
        chunk = session.execute(
            chunk_query.order_by(stored_at.desc(), Version.id.desc()).limit(
                min(MAX_CHUNK, 2 * (wanted - len(found)) + 30)
            )
        ).all()
        if not chunk:
            break
        ids = [version_id for _, version_id in chunk]
        matched = _matching_ids(session, request, min(ids), max(ids))
        found += [version_id for version_id in ids if version_id in matched]
        after = (chunk[-1][0], chunk[-1][1])
    page = found[request.offset : wanted]
    columns: list[Any] = [Version.id.label("version_id"), literal(0.0).label("rank")]
    return select(*columns).where(Version.id.in_(page))
