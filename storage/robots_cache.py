"""robots.txt files kept for a day, so that every crawl need not fetch them again.

RFC 9309 section 2.4 lets a crawler cache robots.txt and asks it not to use a copy for more
than 24 hours. Each crawl process used to fetch each host's robots.txt before its first request
there; with the copy in the archive, the crawls of the next day (and every worker sharing the
database) parse the stored copy instead.

The key is the *origin* Scrapy fetches robots.txt from, ``scheme://host[:port]``: scheme and
host lower-case (Scrapy normalises both), the port exactly as the URL gives it (Scrapy keys its
parsers by the URL's netloc, so ``http://a.example:80`` and ``http://a.example`` are two
entries there and here), and any user:password@ dropped (credentials are never stored).
http and https of one host are two origins, as RFC 9309 says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.inserts import dialect_insert, table_of
from storage.models import RobotsTxt

__all__ = [
    "CachedRobots",
    "all_fresh_robots",
    "cached_robots",
    "robots_origin",
    "store_robots",
]

_ROBOTS_TXT = table_of(RobotsTxt)


@dataclass(frozen=True)
class CachedRobots:
    """A stored robots.txt: the status it answered and the bytes the crawler parsed."""

    origin: str
    status: int
    body: bytes
    fetched_at: datetime


def robots_origin(scheme: str, netloc: str) -> str:
    """The cache key of the robots.txt at ``scheme://netloc/robots.txt`` (see the module doc)."""
    host_port = netloc.rpartition("@")[2]
    return f"{scheme.lower()}://{host_port.lower()}"


def cached_robots(
    session: Session, origin: str, *, now: datetime, max_age: timedelta
) -> CachedRobots | None:
    """The robots.txt stored for ``origin`` if it was fetched less than ``max_age`` before ``now``.

    A copy stamped later than ``now`` (written by a process whose clock runs ahead, or under a
    ``NEWSARCHIVE_NOW`` in the future) is not trusted: it is fetched again, which costs one
    request and replaces the stamp.
    """
    row = session.get(RobotsTxt, origin)
    if row is None or not now - max_age < row.fetched_at <= now:
        return None
    return CachedRobots(row.origin, row.status, row.body, row.fetched_at)


def all_fresh_robots(
    session: Session, *, now: datetime, max_age: timedelta, limit: int
) -> dict[str, CachedRobots] | None:
    """Every stored robots.txt fetched less than ``max_age`` before ``now``, by origin.

    One query instead of one per host at the start of a crawl over many hosts; None when more
    than ``limit`` are fresh (then ask per origin with ``cached_robots``).
    """
    fresh = (RobotsTxt.fetched_at > now - max_age) & (RobotsTxt.fetched_at <= now)
    count = session.scalar(select(func.count()).select_from(RobotsTxt).where(fresh)) or 0
    if count > limit:
        return None
    rows = session.scalars(select(RobotsTxt).where(fresh))
    return {r.origin: CachedRobots(r.origin, r.status, r.body, r.fetched_at) for r in rows}


def store_robots(session: Session, origin: str, status: int, body: bytes, *, now: datetime) -> None:
    """Keep ``origin``'s robots.txt as fetched at ``now``, replacing any older copy.

    One INSERT ... ON CONFLICT DO UPDATE, so workers that fetched the same robots.txt at once
    do not fail on the primary key; the last one to write wins (both copies are fresh). A 5xx
    must not be stored: it means "disallow for now, ask again", not an answer to keep.
    """
    if status >= 500:
        raise ValueError(f"a robots.txt that answered {status} is not cached")
    insert = dialect_insert(session.get_bind().dialect.name, _ROBOTS_TXT)
    insert = insert.values(origin=origin, status=status, body=body, fetched_at=now)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[_ROBOTS_TXT.c.origin],
            set_={
                "status": insert.excluded.status,
                "body": insert.excluded.body,
                "fetched_at": insert.excluded.fetched_at,
            },
        )
    )
