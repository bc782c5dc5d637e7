"""Listing the archive: articles newest first, and per-site counts (plain SQL, storage.reading)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.reading import Reads, in_list, reads_of, required_time, stored_time
from storage.records import ArticleListing, SiteStats

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session

NO_SITE = "(no article)"
# Sites whose host is a domain or a subdomain of it (nbcnews.com finds www.nbcnews.com).
SITE_MATCHES = "(sites.host = :site_host OR sites.host LIKE :site_like ESCAPE '\\')"
# Offset without a limit: a limit no archive reaches (SQLite has no LIMIT ALL).
_NO_LIMIT = 2**62
_LISTING = (
    "SELECT articles.url, sites.host, versions.title, articles.version_count, "
    "articles.first_seen_at, articles.last_captured_at, versions.captured_at, "
    "versions.published_at FROM articles JOIN sites ON sites.id = articles.site_id "
    "LEFT OUTER JOIN versions ON versions.article_id = articles.id "
    "AND versions.number = articles.version_count "
    "WHERE articles.id IN ({page}) ORDER BY articles.first_seen_at DESC, articles.id DESC"
)
_STATS = (
    "SELECT host, name, article_count, version_count, capture_count, error_count, "
    "last_capture_at FROM sites ORDER BY article_count DESC, host"
)
_ORPHANS = (
    "SELECT count(*), sum(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END), max(fetched_at) "
    "FROM captures WHERE article_id IS NULL"
)


def site_match_params(domain: str) -> dict[str, str]:
    """The parameters of ``SITE_MATCHES`` for ``domain``."""
    host = domain.strip().lower().removeprefix("www.")
    return {"site_host": host, "site_like": "%." + host.replace("%", r"\%")}


def site_matches(domain: str) -> ColumnElement[bool]:
    """``SITE_MATCHES`` as a SQLAlchemy condition, for the queries built with SQLAlchemy."""
    from sqlalchemy import and_, text

    return and_(text(SITE_MATCHES).bindparams(**site_match_params(domain)))


def matching_site_ids(reads: Reads, domain: str) -> list[int]:
    rows = reads.rows(f"SELECT id FROM sites WHERE {SITE_MATCHES}", site_match_params(domain))
    return [row[0] for row in rows]


def list_articles(
    source: Session | Reads,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    changed_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[ArticleListing]:
    """Articles first seen between ``since`` and ``until``, newest first, streamed.

    ``changed_only`` keeps articles with more than one version. The title and publication date
    are the latest version's. ``offset`` skips that many articles on the listing's index (reading
    ids only: a deep page costs with its depth, never with the archive's size). Consume the
    iterator while ``source`` is open.
    """
    reads = reads_of(source)
    # The page's ids first, off the listing's index (no join, nothing else read per skipped
    # row); then the page itself, with each article's latest version by its unique key.
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if site:
        ids, site_params = in_list("site", matching_site_ids(reads, site))
        conditions.append(f"site_id IN {ids}")
        params.update(site_params)
    if since is not None:
        conditions.append("first_seen_at >= :since")
        params["since"] = since
    if until is not None:
        conditions.append("first_seen_at < :until")
        params["until"] = until
    if changed_only:
        conditions.append("version_count > 1")
    page = "SELECT id FROM articles"
    if conditions:
        page += " WHERE " + " AND ".join(conditions)
    page += " ORDER BY first_seen_at DESC, id DESC"
    if limit is not None or offset:
        page += " LIMIT :limit OFFSET :offset"
        params.update(limit=_NO_LIMIT if limit is None else limit, offset=offset)
    rows = reads.stream(_LISTING.format(page=page), params)
    for url, host, title, count, first_seen, last_captured, changed, published in rows:
        yield ArticleListing(
            url=url,
            site=host,
            title=title,
            versions=count,
            first_seen=required_time(first_seen),
            last_captured=stored_time(last_captured),
            last_changed=stored_time(changed),
            published_at=stored_time(published),
        )


def stats(source: Session | Reads) -> list[SiteStats]:
    """Articles, versions, captures, errors and the last crawl of every site, busiest first.

    Read from the counters kept on each site as the archive is written (storage/counters.py),
    so the cost is one row per site whatever the archive's size. Failed captures of URLs never
    archived belong to no article; they are counted on one row named ``(no article)``.
    """
    reads = reads_of(source)
    result = [
        SiteStats(host, name, articles, versions, captures, errors, stored_time(last))
        for host, name, articles, versions, captures, errors, last in reads.rows(_STATS)
    ]
    count, errors, last = reads.rows(_ORPHANS)[0]
    if count:
        result.append(SiteStats(NO_SITE, None, 0, 0, count, int(errors or 0), stored_time(last)))
    return result
