"""What enters the frontier or becomes due: discovered URLs, seeds, revisits asked for now."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.frontier.bulk import Row, insert_new_rows, time_values
from storage.frontier.rows import ARTICLE_ROW, article_entry
from storage.models import Article, FrontierEntry
from storage.urls import InvalidURL, canonical_url, canonical_url_and_host, url_hash

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrontierURL:
    """A discovered URL to add to the frontier."""

    url: str
    kind: str
    source: str
    depth: int = 0
    published_at: datetime | None = None


def add_to_frontier(
    session: Session, urls: Iterable[FrontierURL], *, now: datetime, scope: str
) -> int:
    """Add URLs not yet known to the frontier or the archive; return how many were added.

    Each URL is canonicalised and hashed once, duplicates within ``urls`` are dropped, and the
    rest go to the database in one bulk statement (``storage.frontier.bulk``): never an ORM
    object or a round trip per URL, so a 2,000-URL batch of a sitemap is one write.
    """
    rows: dict[str, Row] = {}
    time_value = time_values(session)
    discovered = time_value(now)
    for entry in urls:
        try:
            canonical, host = canonical_url_and_host(entry.url)
        except InvalidURL:
            continue
        digest = url_hash(canonical)
        if digest not in rows:
            published = time_value(entry.published_at)
            rows[digest] = (
                canonical,
                digest,
                host,
                scope,
                entry.kind,
                entry.source,
                entry.depth,
                discovered,
                published,
                discovered,  # due now
            )
    return insert_new_rows(session, list(rows.values()))


def schedule_seed(
    session: Session, url: str, kind: str, *, now: datetime, min_interval: timedelta, scope: str
) -> bool:
    """Make a feed, sitemap or start page due now unless it was fetched within ``min_interval``.

    Returns whether it is due. Rerunning an interrupted crawl therefore does not refetch seeds
    it already read, while a crawl after the interval reads them again.
    """
    canonical = canonical_url(url)
    digest = url_hash(canonical)
    row = session.scalar(select(FrontierEntry).where(FrontierEntry.url_hash == digest))
    if row is None:
        add_to_frontier(session, [FrontierURL(url, kind, "seed")], now=now, scope=scope)
        return True
    row.scope = scope
    if row.kind != kind and row.last_fetched_at is None:
        row.kind = kind
    if row.last_fetched_at is not None and row.last_fetched_at > now - min_interval:
        return row.next_fetch_at is not None and row.next_fetch_at <= now
    row.next_fetch_at = now
    return True


def make_revisits_due(
    session: Session,
    *,
    now: datetime,
    article_ids: Iterable[int] | None = None,
    scope_or_host: str | None = None,
) -> list[int]:
    """Make archived articles due now, whatever their schedule; return their frontier row ids.

    Articles without a frontier row (archived before tracking existed) get one. One query
    reads the articles with their rows and one statement updates them all: ``revisit --all``
    of a large archive must not cost a round trip per article before the first request.
    A row another worker holds a live lease on is left alone (and not returned): it is being
    fetched right now, and taking its lease away would have it fetched twice.
    """
    query = select(
        Article.id,
        FrontierEntry.id,
        FrontierEntry.scope,
        FrontierEntry.host,
        FrontierEntry.lease_owner,
        FrontierEntry.lease_expires_at,
    ).join(FrontierEntry, FrontierEntry.url_hash == Article.url_hash, isouter=True)
    if article_ids is not None:
        query = query.where(Article.id.in_(list(article_ids)))
    due: list[dict[str, Any]] = []
    held = 0
    for article_id, entry_id, scope, host, owner, expires in session.execute(query).all():
        if entry_id is None:
            article = session.get(Article, article_id)
            assert article is not None
            entry = article_entry(session, article, now=now)
            session.flush()
            entry_id, scope, host = entry.id, entry.scope, entry.host
        if scope_or_host is not None and scope_or_host not in (
            scope,
            host,
            host.removeprefix("www."),
        ):
            continue
        if owner is not None and expires is not None and expires > now:
            held += 1
            continue
        due.append({"b_entry_id": entry_id, "b_article_id": article_id})
    if held:
        log.warning(
            "%d of these articles are being fetched by a worker right now: left to it", held
        )
    if due:
        session.execute(ARTICLE_ROW.values(next_fetch_at=now), due)
    return [row["b_entry_id"] for row in due]
