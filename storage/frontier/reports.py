"""What the frontier holds: who holds leases, what reading each seed gave, a scope's articles.

What is due (rows waiting or leased, seeds read, revisits, queued articles) is read in plain
SQL by storage/frontier_due.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.kinds import FrontierKind
from storage.models import FrontierEntry


def lease_owners(session: Session) -> list[str]:
    """Distinct owners currently holding leases."""
    return list(
        session.scalars(
            select(FrontierEntry.lease_owner)
            .where(FrontierEntry.lease_owner.is_not(None))
            .distinct()
        )
    )


def seed_outcomes(session: Session, scope: str) -> list[tuple[str, str, str | None]]:
    """Each seed of a scope as (url, kind, last outcome): what reading each source last gave."""
    rows = session.execute(
        select(FrontierEntry.url, FrontierEntry.kind, FrontierEntry.last_outcome)
        .where(FrontierEntry.scope == scope, FrontierEntry.source == "seed")
        .order_by(FrontierEntry.id)
    ).all()
    return [(url, kind, outcome) for url, kind, outcome in rows]


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
