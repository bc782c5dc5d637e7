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

from storage.listing import matching_site_ids
from storage.reading import Reads, SqliteReads, in_list
from storage.search.request import SearchRequest

__all__ = ["BROAD_MATCHES", "is_broad", "newest_page", "walk_filters"]

BROAD_MATCHES = 5_000
MAX_CHUNK = 5_000  # versions read per step (fewer for a first page)

_COUNT_UP_TO = (
    "SELECT count(*) FROM (SELECT rowid FROM versions_fts "
    "WHERE versions_fts MATCH :match LIMIT :cap)"
)
_MATCHES_BETWEEN = (
    "SELECT rowid FROM versions_fts "
    "WHERE versions_fts MATCH :match AND rowid BETWEEN :low AND :high"
)
# The version's article's column (a primary-key lookup per row, no join to reorder).
_ARTICLE = "(SELECT articles.{column} FROM articles WHERE articles.id = versions.article_id)"


def is_broad(reads: SqliteReads, request: SearchRequest) -> bool:
    """Whether the query's matches (before filters) exceed BROAD_MATCHES."""
    rows = reads.rows(_COUNT_UP_TO, {"match": request.match, "cap": BROAD_MATCHES + 1})
    return int(rows[0][0] or 0) > BROAD_MATCHES


def walk_filters(reads: Reads, request: SearchRequest) -> tuple[list[str], dict[str, Any]]:
    """The request's filters on a version alone, as SQL conditions and their parameters (its
    article read by primary key per row): a walk down the ``captured_at`` index checks them row
    by row, on SQLite and PostgreSQL alike."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if request.since is not None:
        conditions.append("captured_at >= :since")
        params["since"] = request.since
    if request.until is not None:
        conditions.append("captured_at < :until")
        params["until"] = request.until
    if not request.all_versions:
        conditions.append("number = " + _ARTICLE.format(column="version_count"))
    if request.changed_only:
        conditions.append(_ARTICLE.format(column="version_count") + " > 1")
    if request.site:
        ids, site_params = in_list("site", matching_site_ids(reads, request.site))
        conditions.append(_ARTICLE.format(column="site_id") + " IN " + ids)
        params.update(site_params)
    return conditions, params


def _matching_ids(reads: SqliteReads, request: SearchRequest, low: int, high: int) -> set[int]:
    """The search index's matches with a rowid in [low, high] (one seek, then a short walk)."""
    params = {"match": request.match, "low": low, "high": high}
    return {row[0] for row in reads.rows(_MATCHES_BETWEEN, params)}


def newest_page(reads: SqliteReads, request: SearchRequest) -> tuple[str, dict[str, Any]]:
    """One page of matches, newest first: SQL of (version id, rank) with rank 0 (not ranked).

    Versions passing the filters are read down the ``captured_at`` index a chunk at a time;
    each chunk's ids are intersected with the index's matches in the chunk's id range, until
    the page is full.
    """
    conditions, params = walk_filters(reads, request)
    wanted = request.offset + request.limit
    found: list[int] = []
    after: tuple[Any, int] | None = None
    while len(found) < wanted:
        where = list(conditions)
        if after is not None:
            where.append("(captured_at, id) < (:after_at, :after_id)")
            params.update(after_at=after[0], after_id=after[1])
        chunk = reads.rows(
            "SELECT captured_at, id FROM versions"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY captured_at DESC, id DESC LIMIT :chunk",
            {**params, "chunk": min(MAX_CHUNK, 2 * (wanted - len(found)) + 30)},
        )
        if not chunk:
            break
        ids = [version_id for _, version_id in chunk]
        matched = _matching_ids(reads, request, min(ids), max(ids))
        found += [version_id for version_id in ids if version_id in matched]
        after = (chunk[-1][0], chunk[-1][1])
    page_ids, page_params = in_list("page", found[request.offset : wanted])
    return f"SELECT id AS version_id, 0.0 AS rank FROM versions WHERE id IN {page_ids}", page_params
