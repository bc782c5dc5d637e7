"""Leases: a worker takes due rows, keeps them while it works, and gives them back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from storage.frontier.rows import due
from storage.kinds import FrontierKind
from storage.models import FrontierEntry

# Feeds and sitemaps first: they find the articles; robots.txt and unknown kinds last.
_PRIORITY = case(
    {FrontierKind.FEED: 0, FrontierKind.SITEMAP: 1, FrontierKind.ARTICLE: 2, FrontierKind.PAGE: 3},
    value=FrontierEntry.kind,
    else_=4,
)


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
    query = select(FrontierEntry).where(*due(now))
    if discovery_scopes is not None:
        query = query.where(
            or_(
                FrontierEntry.kind == FrontierKind.ARTICLE,
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
            or_(
                FrontierEntry.last_fetched_at.is_(None),
                FrontierEntry.kind != FrontierKind.ARTICLE,
            )
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
    for row in rows:
        row.lease_owner = owner
        row.lease_expires_at = expires
        row.attempts += 1
    session.flush()
    return [_leased(row) for row in rows]


def _leased(row: FrontierEntry) -> LeasedURL:
    return LeasedURL(
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
