"""What the frontier holds that is due, in plain SQL (storage/reading.py): no SQLAlchemy needed.

Seeds read per scope, articles waiting or leased, revisits per scope and the articles queued:
what `newsarchive due` reports, read through sqlite3 alone on a current SQLite archive
(storage/read_only.py), and through a session by the scheduler and on PostgreSQL. Outside the
``storage.frontier`` package, whose other modules build SQLAlchemy statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.kinds import FrontierKind
from storage.reading import Reads, in_list, reads_of, stored_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "QueuedArticle",
    "RevisitsDue",
    "leasable_count",
    "queued_articles",
    "revisits_due",
    "seeds_last_read",
]

# A row a worker may lease now: due, and not leased (or its lease expired); see rows.due.
_LEASABLE = (
    "next_fetch_at IS NOT NULL AND next_fetch_at <= :now"
    " AND (lease_owner IS NULL OR lease_expires_at <= :now)"
)
_LEASED = "next_fetch_at <= :now AND lease_owner IS NOT NULL"
# An archived article's row with a next visit.
_REVISIT = (
    f"kind = '{FrontierKind.ARTICLE.value}' AND article_id IS NOT NULL"
    " AND next_fetch_at IS NOT NULL"
)


def leasable_count(
    source: Session | Reads,
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
    conditions = [_LEASED if leased else _LEASABLE]
    params: dict[str, Any] = {"now": now}
    if kinds is not None:
        listed, kind_params = in_list("kind", [str(kind) for kind in kinds])
        conditions.append(f"kind IN {listed}")
        params |= kind_params
    if scope is not None:
        conditions.append("scope = :scope")
        params["scope"] = scope
    sql = "SELECT count(*) FROM frontier WHERE " + " AND ".join(conditions)
    [(count,)] = reads_of(source).rows(sql, params)
    return int(count or 0)


@dataclass(frozen=True)
class QueuedArticle:
    """A discovered article not fetched yet: its URL, the crawl scope and when it is due."""

    url: str
    scope: str
    due_at: datetime | None


_QUEUED = (
    "SELECT url, scope, next_fetch_at FROM frontier"
    f" WHERE kind = '{FrontierKind.ARTICLE.value}' AND last_fetched_at IS NULL"
    " AND next_fetch_at IS NOT NULL ORDER BY next_fetch_at, id"
)


def queued_articles(source: Session | Reads) -> Iterator[QueuedArticle]:
    """Articles discovered and never fetched (what a limited run left), soonest due first."""
    for url, scope, due_at in reads_of(source).stream(_QUEUED):
        yield QueuedArticle(url, scope, stored_time(due_at))


@dataclass(frozen=True)
class RevisitsDue:
    """Revisits of archived articles, per scope: due now, and when the next one comes due."""

    scope: str
    due_now: int
    next_at: datetime | None


def seeds_last_read(source: Session | Reads, scope: str) -> tuple[int, datetime | None]:
    """How many seeds a scope has, and when the least recently read one was read (None: never)."""
    rows = reads_of(source).rows(
        "SELECT last_fetched_at FROM frontier WHERE scope = :scope AND source = 'seed'",
        {"scope": scope},
    )
    if not rows:
        return 0, None
    times = [stored_time(row[0]) for row in rows]
    read = [t for t in times if t is not None]
    return len(times), min(read) if len(read) == len(times) else None


def revisits_due(source: Session | Reads, *, now: datetime) -> list[RevisitsDue]:
    """Per scope: archived articles due for a revisit now, and the next revisit time after now."""
    reads = reads_of(source)
    due_now: dict[str, Any] = dict(
        reads.rows(
            f"SELECT scope, count(*) FROM frontier WHERE {_REVISIT} AND next_fetch_at <= :now"
            " GROUP BY scope",
            {"now": now},
        )
    )
    upcoming: dict[str, Any] = dict(
        reads.rows(
            f"SELECT scope, min(next_fetch_at) FROM frontier WHERE {_REVISIT}"
            " AND next_fetch_at > :now GROUP BY scope",
            {"now": now},
        )
    )
    return [
        RevisitsDue(scope, int(due_now.get(scope, 0)), stored_time(upcoming.get(scope)))
        for scope in sorted(set(due_now) | set(upcoming))
    ]
