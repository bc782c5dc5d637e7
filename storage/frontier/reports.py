"""What the frontier holds: rows due or leased, who holds leases, seeds read, revisits due."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.frontier.rows import due
from storage.kinds import FrontierKind
from storage.models import FrontierEntry


def leasable_count(
    session: Session,
    *,
    now: datetime,
    kinds: Iterable[str] | None = None,
    leased: bool = False,
    scope: str | None = None,
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
        query = select(func.count()).select_from(FrontierEntry).where(*due(now))
    if kinds is not None:
        query = query.where(FrontierEntry.kind.in_(list(kinds)))
    if scope is not None:
        query = query.where(FrontierEntry.scope == scope)
    return session.scalar(query) or 0


@dataclass(frozen=True)
class QueuedArticle:
    """A discovered article not fetched yet: its URL, the crawl scope and when it is due."""

    url: str
    scope: str
    due_at: datetime | None


def queued_articles(session: Session) -> Iterator[QueuedArticle]:
    """Articles discovered and never fetched (what a limited run left), soonest due first."""
    rows = session.execute(
        select(FrontierEntry.url, FrontierEntry.scope, FrontierEntry.next_fetch_at)
        .where(
            FrontierEntry.kind == FrontierKind.ARTICLE,
            FrontierEntry.last_fetched_at.is_(None),
            FrontierEntry.next_fetch_at.is_not(None),
        )
        .order_by(FrontierEntry.next_fetch_at, FrontierEntry.id)
        .execution_options(yield_per=1000)
    )
    for url, scope, due_at in rows:
        yield QueuedArticle(url, scope, due_at)


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


def seed_outcomes(session: Session, scope: str) -> list[tuple[str, str, str | None]]:
    """Each seed of a scope as (url, kind, last outcome): what reading each source last gave."""
    rows = session.execute(
        select(FrontierEntry.url, FrontierEntry.kind, FrontierEntry.last_outcome)
        .where(FrontierEntry.scope == scope, FrontierEntry.source == "seed")
        .order_by(FrontierEntry.id)
    ).all()
    return [(url, kind, outcome) for url, kind, outcome in rows]


def revisits_due(session: Session, *, now: datetime) -> list[RevisitsDue]:
    """Per scope: archived articles due for a revisit now, and the next revisit time after now."""
    revisit = and_(
        FrontierEntry.kind == FrontierKind.ARTICLE,
        FrontierEntry.article_id.is_not(None),
        FrontierEntry.next_fetch_at.is_not(None),
    )
    due_now = dict(
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
        RevisitsDue(scope, int(due_now.get(scope, 0)), upcoming.get(scope))
        for scope in sorted(set(due_now) | set(upcoming))
    ]


@dataclass(frozen=True)
class SourceOutcome:
    """A feed, sitemap or robots.txt of a scope, and how its last fetch went."""

    url: str
    kind: str
    source: str
    outcome: str | None


def sources_read_since(session: Session, scope: str, since: datetime) -> list[SourceOutcome]:
    """The scope's feeds, sitemaps and robots.txt fetched at or after ``since``, with outcomes."""
    rows = session.execute(
        select(
            FrontierEntry.url, FrontierEntry.kind, FrontierEntry.source, FrontierEntry.last_outcome
        )
        .where(
            FrontierEntry.scope == scope,
            FrontierEntry.kind.in_([FrontierKind.FEED, FrontierKind.SITEMAP, FrontierKind.ROBOTS]),
            FrontierEntry.last_fetched_at >= since,
        )
        .order_by(FrontierEntry.id)
    )
    return [SourceOutcome(*row) for row in rows]


def article_rows(session: Session, scope: str) -> int:
    """How many article URLs the scope's frontier holds, fetched or not."""
    query = select(func.count()).select_from(FrontierEntry)
    query = query.where(FrontierEntry.scope == scope, FrontierEntry.kind == FrontierKind.ARTICLE)
    return session.scalar(query) or 0


def article_urls(session: Session, scope: str) -> list[str]:
    """The article URLs the scope's frontier holds (discovered, fetched or not), oldest first."""
    query = (
        select(FrontierEntry.url)
        .where(FrontierEntry.scope == scope, FrontierEntry.kind == FrontierKind.ARTICLE)
        .order_by(FrontierEntry.id)
    )
    return list(session.scalars(query))
