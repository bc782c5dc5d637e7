"""Backfill's work list in the frontier: one row per memento to fetch, done or pending.

A backfill lists an article's captures, queues every one as a frontier row of kind
``memento`` (scope ``backfill``) in one transaction, and marks each row done in the transaction
that records its capture. A run killed at any point therefore leaves pending rows, and the
rerun fetches them without listing again. Memento rows have no ``next_fetch_at``: no crawl
ever leases them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.kinds import FrontierKind
from storage.models import FrontierEntry
from storage.urls import url_hash

__all__ = [
    "PENDING",
    "QueuedMemento",
    "finish_memento",
    "memento_rows",
    "queue_mementos",
    "retry_memento",
]

PENDING = "pending"
SCOPE = "backfill"
MAX_ATTEMPTS = 3  # a capture cut short this many times is given up (outcome kept)


@dataclass(frozen=True)
class QueuedMemento:
    """A memento of an article: when the archive took it, its raw URL, archive, digest."""

    captured_at: datetime
    raw_url: str
    archive: str
    digest: str | None
    outcome: str = PENDING

    @property
    def pending(self) -> bool:
        return self.outcome == PENDING


def _key(raw_url: str) -> str:
    # Prefixed so that a memento row never collides with a crawl row of the same URL.
    return url_hash("memento:" + raw_url)


def memento_rows(
    session: Session, article_url: str, archives: Iterable[str]
) -> list[QueuedMemento]:
    """The mementos queued for ``article_url`` from ``archives``, oldest first."""
    rows = session.scalars(
        select(FrontierEntry)
        .where(
            FrontierEntry.memento_of_hash == url_hash(article_url),
            FrontierEntry.kind == FrontierKind.MEMENTO,
            FrontierEntry.archive_source.in_(list(archives)),
        )
        .order_by(FrontierEntry.captured_at, FrontierEntry.id)
    )
    return [
        QueuedMemento(
            row.captured_at or row.discovered_at,
            row.url,
            row.archive_source or "",
            row.digest,
            row.last_outcome or PENDING,
        )
        for row in rows
        if row.memento_of == article_url
    ]


def queue_mementos(
    session: Session,
    article_url: str,
    mementos: Iterable[QueuedMemento],
    *,
    now: datetime,
) -> int:
    """Add the mementos not queued yet (with their outcome); return how many were added."""
    wanted = {_key(m.raw_url): m for m in mementos}
    known: set[str] = set()
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        known.update(
            session.scalars(select(FrontierEntry.url_hash).where(FrontierEntry.url_hash.in_(chunk)))
        )
    added = 0
    for key, memento in wanted.items():
        if key in known:
            continue
        session.add(
            FrontierEntry(
                url=memento.raw_url,
                url_hash=key,
                host=(urlsplit(memento.raw_url).hostname or "")[:255],
                scope=SCOPE,
                kind=FrontierKind.MEMENTO,
                source=SCOPE,
                depth=0,
                discovered_at=now,
                next_fetch_at=None,
                last_outcome=memento.outcome,
                last_fetched_at=None if memento.pending else now,
                memento_of=article_url,
                memento_of_hash=url_hash(article_url),
                captured_at=memento.captured_at,
                archive_source=memento.archive,
                digest=memento.digest,
            )
        )
        added += 1
    session.flush()
    return added


def _row(session: Session, raw_url: str) -> FrontierEntry | None:
    return session.scalar(select(FrontierEntry).where(FrontierEntry.url_hash == _key(raw_url)))


def finish_memento(session: Session, raw_url: str, outcome: str, *, now: datetime) -> None:
    """Mark a memento done (call in the transaction that records its capture)."""
    row = _row(session, raw_url)
    if row is not None:
        row.last_outcome = outcome[:32]
        row.last_fetched_at = now
        row.attempts += 1


def retry_memento(session: Session, raw_url: str, reason: str, *, now: datetime) -> bool:
    """Count a failed fetch; the row stays pending until MAX_ATTEMPTS. True: it stays pending."""
    row = _row(session, raw_url)
    if row is None:
        return False
    row.attempts += 1
    row.last_fetched_at = now
    if row.attempts >= MAX_ATTEMPTS:
        row.last_outcome = reason[:32]
        return False
    return True
