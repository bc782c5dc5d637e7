"""The crawl frontier: URLs to fetch, their schedule and their leases, kept in the database.

Crawl state lives here rather than in Scrapy's JOBDIR so that kill -9 loses nothing: a leased
row whose worker died becomes due again when its lease expires, and a finished row is never
fetched twice by the same crawl.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from storage.inserts import table_of
from storage.models import Article, ArticleAlias, FrontierEntry, Version
from storage.revisits import DEFAULT_REVISIT_POLICY, RevisitPolicy
from storage.urls import InvalidURL, canonical_url, host_of, url_hash

log = logging.getLogger(__name__)

KINDS = ("feed", "sitemap", "page", "article")
_PRIORITY = case(
    {"feed": 0, "sitemap": 1, "article": 2, "page": 3}, value=FrontierEntry.kind, else_=4
)


@dataclass(frozen=True)
class FrontierURL:
    """A discovered URL to add to the frontier."""

    url: str
    kind: str
    source: str
    depth: int = 0
    published_at: datetime | None = None


@dataclass(frozen=True)
class LeasedURL:
    """A frontier row leased to one worker until its lease expires."""

    id: int
    url: str
    scope: str
    kind: str
    source: str
    depth: int
    attempts: int
    etag: str | None
    last_modified: str | None
    fetched_before: bool
    published_at: datetime | None


def add_to_frontier(
    session: Session, urls: Iterable[FrontierURL], *, now: datetime, scope: str
) -> list[FrontierURL]:
    """Add URLs not yet known to the frontier or the archive; return those added."""
    added: list[FrontierURL] = []
    seen: set[str] = set()
    for entry in urls:
        try:
            canonical = canonical_url(entry.url)
        except InvalidURL:
            continue
        digest = url_hash(canonical)
        if digest in seen:
            continue
        seen.add(digest)
        known = session.scalar(
            select(FrontierEntry.id).where(FrontierEntry.url_hash == digest)
        ) or session.scalar(select(ArticleAlias.id).where(ArticleAlias.url_hash == digest))
        if known:
            continue
        session.add(
            FrontierEntry(
                url=canonical,
                url_hash=digest,
                host=host_of(canonical),
                scope=scope,
                kind=entry.kind,
                source=entry.source,
                depth=entry.depth,
                discovered_at=now,
                published_at=entry.published_at,
                next_fetch_at=now,
                attempts=0,
            )
        )
        added.append(entry)
    session.flush()
    return added


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


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [
        FrontierEntry.next_fetch_at.is_not(None),
        FrontierEntry.next_fetch_at <= now,
        or_(FrontierEntry.lease_owner.is_(None), FrontierEntry.lease_expires_at <= now),
    ]


def lease_due(
    session: Session,
    owner: str,
    *,
    now: datetime,
    limit: int,
    lease_seconds: float = 600.0,
    scopes: Iterable[str] | None = None,
    new_only: bool = False,
    kinds: Iterable[str] | None = None,
    entry_ids: Iterable[int] | None = None,
    discovery_scopes: Iterable[str] | None = None,
) -> list[LeasedURL]:
    """Lease up to ``limit`` due rows to ``owner``: feeds and sitemaps first, then shallow pages.

    On PostgreSQL rows are locked with FOR UPDATE SKIP LOCKED so concurrent workers never lease
    the same row; on SQLite the caller's write transaction (BEGIN IMMEDIATE) serialises them.
    ``new_only`` leaves out rows fetched before (revisits). ``discovery_scopes``, when given,
    limits discovery rows (feeds, sitemaps, pages, robots.txt) to those scopes, while articles
    of every scope may be leased: cooperating workers each discover the sites they hold the
    discovery lock of, and share the fetching of articles.
    """
    query = select(FrontierEntry).where(*_due(now))
    if discovery_scopes is not None:
        query = query.where(
            or_(
                FrontierEntry.kind == "article",
                FrontierEntry.scope.in_(list(discovery_scopes)),
            )
        )
    if scopes is not None:
        query = query.where(FrontierEntry.scope.in_(list(scopes)))
    if kinds is not None:
        query = query.where(FrontierEntry.kind.in_(list(kinds)))
    if entry_ids is not None:
        query = query.where(FrontierEntry.id.in_(list(entry_ids)))
    if new_only:
        query = query.where(
            or_(FrontierEntry.last_fetched_at.is_(None), FrontierEntry.kind != "article")
        )
    query = (
        query.order_by(
            _PRIORITY, FrontierEntry.depth, FrontierEntry.next_fetch_at, FrontierEntry.id
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(query))
    expires = now + timedelta(seconds=lease_seconds)
    leased = []
    for row in rows:
        row.lease_owner = owner
        row.lease_expires_at = expires
        row.attempts += 1
        leased.append(
            LeasedURL(
                id=row.id,
                url=row.url,
                scope=row.scope,
                kind=row.kind,
                source=row.source,
                depth=row.depth,
                attempts=row.attempts,
                etag=row.etag,
                last_modified=row.last_modified,
                fetched_before=row.last_fetched_at is not None,
                published_at=row.published_at,
            )
        )
    session.flush()
    return leased


def complete_fetch(
    session: Session,
    entry_id: int,
    *,
    now: datetime,
    outcome: str,
    next_fetch_at: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    article_id: int | None = None,
    kind: str | None = None,
    owner: str | None = None,
) -> bool:
    """Finish a leased row: record the outcome and when (if ever) it is due again.

    With ``owner``, only while the row is not another worker's lease: a worker whose lease
    expired and was taken over leaves the row to the new holder. Returns whether it was finished.
    """
    row = _row(session, entry_id, owner)
    if row is None or _taken_over(row, owner):
        return False
    row.lease_owner = None
    row.lease_expires_at = None
    row.last_fetched_at = now
    row.last_outcome = outcome[:32]
    row.next_fetch_at = next_fetch_at
    row.attempts = 0
    if etag is not None:
        row.etag = etag[:1024]
    if last_modified is not None:
        row.last_modified = last_modified[:255]
    if article_id is not None:
        row.article_id = article_id
    if kind is not None:
        row.kind = kind
    return True


def fail_fetch(
    session: Session,
    entry_id: int,
    *,
    now: datetime,
    reason: str,
    retryable: bool,
    max_attempts: int = 3,
    backoff: timedelta = timedelta(minutes=5),
    owner: str | None = None,
) -> bool:
    """Record a failed fetch; a retryable one is due again after a growing pause, up to a limit.

    ``owner`` and the result as for ``complete_fetch``.
    """
    row = _row(session, entry_id, owner)
    if row is None or _taken_over(row, owner):
        return False
    row.lease_owner = None
    row.lease_expires_at = None
    row.last_outcome = reason[:32]
    if retryable and row.attempts < max_attempts:
        row.next_fetch_at = now + backoff * (2 ** max(row.attempts - 1, 0))
    else:
        row.last_fetched_at = now
        row.next_fetch_at = None
        row.attempts = 0
    return True


def _row(session: Session, entry_id: int, owner: str | None) -> FrontierEntry | None:
    """The row; for a lease holder, locked and as it is now, to see whether it is still his."""
    if owner is None:
        return session.get(FrontierEntry, entry_id)
    query = select(FrontierEntry).where(FrontierEntry.id == entry_id).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def _taken_over(row: FrontierEntry, owner: str | None) -> bool:
    """Whether ``owner`` lost the row's lease to another worker (never, without an owner)."""
    return owner is not None and row.lease_owner is not None and row.lease_owner != owner


def renew_leases(session: Session, owner: str, *, now: datetime, lease_seconds: float) -> int:
    """Extend every lease ``owner`` holds to ``lease_seconds`` from ``now``; return how many.

    A live worker renews its queued rows however long politeness makes them wait; a killed
    one's leases expire ``lease_seconds`` after its last renewal and other workers lease them.

    Rows another transaction has locked are skipped, not waited for: they are being finished
    (the worker's own write batch) or leased by another worker. Waiting for them could
    deadlock with the write batch, which locks the same rows in another order, and a renewal
    chosen as the deadlock's victim renewed nothing. A skipped row is renewed next time.
    """
    held = (
        select(FrontierEntry.id)
        .where(FrontierEntry.lease_owner == owner)
        .order_by(FrontierEntry.id)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(held))
    if not ids:
        return 0
    result = session.execute(
        update(FrontierEntry)
        .where(FrontierEntry.id.in_(ids), FrontierEntry.lease_owner == owner)
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def confirm_lease(
    session: Session, entry_id: int, owner: str, *, now: datetime, lease_seconds: float
) -> bool:
    """Whether ``owner`` still holds the lease of row ``entry_id``; if so it is extended.

    A worker asks right before sending a request and drops the request on False: its lease
    expired and another worker leased the row, or the row was given back or finished, so
    fetching it would fetch it twice. An expired lease nobody took yet is still held. The row
    lock makes the answer final: a worker leasing the row meanwhile either got it first (and
    this returns False) or skips it until this transaction ends.
    """
    result = session.execute(
        update(FrontierEntry)
        .where(FrontierEntry.id == entry_id, FrontierEntry.lease_owner == owner)
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def release_leases(session: Session, owner: str) -> int:
    """Give back every lease ``owner`` holds (a clean stop); the rows become due again at once."""
    result = session.execute(
        update(FrontierEntry)
        .where(FrontierEntry.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def pending_count(
    session: Session, *, now: datetime, scopes: Iterable[str] | None = None, new_only: bool = False
) -> int:
    """How many rows are due now or leased (still to finish) in the given scopes."""
    query = (
        select(func.count())
        .select_from(FrontierEntry)
        .where(FrontierEntry.next_fetch_at.is_not(None), FrontierEntry.next_fetch_at <= now)
    )
    if scopes is not None:
        query = query.where(FrontierEntry.scope.in_(list(scopes)))
    if new_only:
        query = query.where(
            or_(FrontierEntry.last_fetched_at.is_(None), FrontierEntry.kind != "article")
        )
    return session.scalar(query) or 0


def leasable_count(
    session: Session, *, now: datetime, kinds: Iterable[str] | None = None, leased: bool = False
) -> int:
    """How many rows a worker could lease now: due, and not leased or with an expired lease.

    With ``leased``: how many due rows are leased instead (in flight, or held by a dead worker
    until their lease expires).
    """
    if leased:
        query = (
            select(func.count())
            .select_from(FrontierEntry)
            .where(FrontierEntry.next_fetch_at <= now, FrontierEntry.lease_owner.is_not(None))
        )
    else:
        query = select(func.count()).select_from(FrontierEntry).where(*_due(now))
    if kinds is not None:
        query = query.where(FrontierEntry.kind.in_(list(kinds)))
    return session.scalar(query) or 0


def stuck_leases(session: Session, *, now: datetime) -> int:
    """Rows whose lease has expired without completion (a worker died holding them)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(FrontierEntry)
            .where(
                and_(FrontierEntry.lease_owner.is_not(None), FrontierEntry.lease_expires_at <= now)
            )
        )
        or 0
    )


def _article_entry(session: Session, article: Article, *, now: datetime) -> FrontierEntry:
    """The article's frontier row, created (scoped to its host) if it has none yet."""
    entry = session.scalar(select(FrontierEntry).where(FrontierEntry.url_hash == article.url_hash))
    if entry is None:
        entry = FrontierEntry(
            url=article.url,
            url_hash=article.url_hash,
            host=host_of(article.url),
            scope=host_of(article.url),
            kind="article",
            source="archive",
            depth=0,
            discovered_at=now,
            attempts=0,
            article_id=article.id,
            last_fetched_at=article.last_captured_at,
        )
        session.add(entry)
    return entry


_FRONTIER = table_of(FrontierEntry)
_LATEST_PUBLISHED = select(Version.published_at).where(
    Version.article_id == bindparam("article_id"), Version.number == bindparam("number")
)
# An article's row, its lease given back: where finishing a fetch and `revisit` both start.
_ARTICLE_ROW = (
    update(_FRONTIER)
    .where(_FRONTIER.c.id == bindparam("entry_id"))
    .values(
        kind="article",
        article_id=bindparam("article_id"),
        lease_owner=None,
        lease_expires_at=None,
    )
)
_FINISH_ARTICLE_ROW = _ARTICLE_ROW.values(
    published_at=func.coalesce(
        bindparam("published_at", type_=_FRONTIER.c.published_at.type),
        _FRONTIER.c.published_at,
    ),
    last_fetched_at=bindparam("now"),
    last_outcome=bindparam("outcome"),
    next_fetch_at=bindparam("next_fetch_at"),
    attempts=0,
    etag=bindparam("etag"),
    last_modified=bindparam("last_modified"),
)
# A lease holder finishes the row only while no other worker holds it (see _taken_over); in
# one statement, so on PostgreSQL the condition is checked again on the locked row.
_FINISH_ARTICLE_ROW_OF_OWNER = _FINISH_ARTICLE_ROW.where(
    or_(
        _FRONTIER.c.lease_owner.is_(None),
        _FRONTIER.c.lease_owner == bindparam("owner"),
    )
)


def schedule_revisit(
    session: Session,
    article_id: int,
    *,
    now: datetime,
    policy: RevisitPolicy = DEFAULT_REVISIT_POLICY,
    etag: str | None = None,
    last_modified: str | None = None,
    frontier_id: int | None = None,
    outcome: str = "archived",
    owner: str | None = None,
) -> datetime | None:
    """After a fetch of an archived article, set when it is due again (None: never).

    Age counts from the published date of the latest version when known, else from the first
    capture; untracked articles are never due. The article's frontier row is created if it has
    none (one-off archiving), so the schedule is data that survives restarts. With ``owner``,
    a row another worker has leased meanwhile is left to it, and its schedule returned.
    """
    article = session.get(Article, article_id)
    if article is None:
        return None
    published = session.scalar(
        _LATEST_PUBLISHED, {"article_id": article_id, "number": article.version_count}
    )
    next_at = policy.next_for_article(
        now, published_at=published, first_seen_at=article.first_seen_at, track=article.track
    )
    if frontier_id is not None:
        finished = session.execute(
            _FINISH_ARTICLE_ROW if owner is None else _FINISH_ARTICLE_ROW_OF_OWNER,
            {
                "entry_id": frontier_id,
                "owner": owner,
                "article_id": article_id,
                "published_at": published,
                "now": now,
                "outcome": outcome[:32],
                "next_fetch_at": next_at,
                "etag": etag[:1024] if etag else None,
                "last_modified": last_modified[:255] if last_modified else None,
            },
        )
        if int(getattr(finished, "rowcount", 0) or 0) == 1:
            return next_at
        # No such row, or another worker leased it meanwhile: decide on the row itself.
    row = _row(session, frontier_id, owner) if frontier_id is not None else None
    if row is not None and _taken_over(row, owner):
        return row.next_fetch_at
    if row is None:
        row = _article_entry(session, article, now=now)
    row.kind = "article"
    row.article_id = article_id
    row.published_at = published or row.published_at
    row.lease_owner = None
    row.lease_expires_at = None
    row.last_fetched_at = now
    row.last_outcome = outcome[:32]
    row.next_fetch_at = next_at
    row.attempts = 0
    row.etag = etag[:1024] if etag else None
    row.last_modified = last_modified[:255] if last_modified else None
    session.flush()
    return next_at


def lease_owners(session: Session) -> list[str]:
    """Distinct owners currently holding leases."""
    return list(
        session.scalars(
            select(FrontierEntry.lease_owner)
            .where(FrontierEntry.lease_owner.is_not(None))
            .distinct()
        )
    )


@dataclass(frozen=True)
class RevisitsDue:
    """Revisits of archived articles, per scope: due now, and when the next one comes due."""

    scope: str
    due_now: int
    next_at: datetime | None


def seeds_last_read(session: Session, scope: str) -> tuple[int, datetime | None]:
    """How many seeds a scope has, and when the least recently read one was read (None: never)."""
    rows = session.execute(
        select(FrontierEntry.last_fetched_at).where(
            FrontierEntry.scope == scope, FrontierEntry.source == "seed"
        )
    ).all()
    if not rows:
        return 0, None
    times: list[datetime | None] = [row[0] for row in rows]
    read = [t for t in times if t is not None]
    return len(times), min(read) if len(read) == len(times) else None


def revisits_due(session: Session, *, now: datetime) -> list[RevisitsDue]:
    """Per scope: archived articles due for a revisit now, and the next revisit time after now."""
    revisit = and_(
        FrontierEntry.kind == "article",
        FrontierEntry.article_id.is_not(None),
        FrontierEntry.next_fetch_at.is_not(None),
    )
    due = dict(
        session.execute(
            select(FrontierEntry.scope, func.count())
            .where(revisit, FrontierEntry.next_fetch_at <= now)
            .group_by(FrontierEntry.scope)
        ).all()
    )
    upcoming = dict(
        session.execute(
            select(FrontierEntry.scope, func.min(FrontierEntry.next_fetch_at))
            .where(revisit, FrontierEntry.next_fetch_at > now)
            .group_by(FrontierEntry.scope)
        ).all()
    )
    return [
        RevisitsDue(scope, int(due.get(scope, 0)), upcoming.get(scope))
        for scope in sorted(set(due) | set(upcoming))
    ]


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
            entry = _article_entry(session, article, now=now)
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
        due.append({"entry_id": entry_id, "article_id": article_id})
    if held:
        log.warning(
            "%d of these articles are being fetched by a worker right now: left to it", held
        )
    if due:
        session.execute(_ARTICLE_ROW.values(next_fetch_at=now), due)
    return [row["entry_id"] for row in due]
