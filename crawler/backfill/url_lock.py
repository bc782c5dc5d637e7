"""One backfill of an article URL at a time: a lock in the database, taken over from the dead.

Two backfills of one URL would both fetch its pending mementos. The lock is renewed while the
backfill works; a backfill killed with kill -9 on this machine is recognised as dead at once
(its owner id names its process), one on another machine once the lock expires.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from crawler.owners import died_on_this_host, new_owner_id
from storage import Archive, StorageError
from storage.locks import acquire_lock, release_lock
from storage.timeutil import utcnow
from storage.urls import url_hash

__all__ = ["BackfillBusy", "UrlLock", "url_lock"]

LOCK_TTL = timedelta(minutes=10)  # longer than the longest fetch with its retries (~7 min)
RENEW_SECONDS = 60.0


class BackfillBusy(StorageError):
    """Another live backfill is working on the URL."""


@dataclass
class UrlLock:
    """The lock ``backfill:<sha256 of the URL>`` held by this process."""

    archive: Archive
    url: str
    owner: str = field(default_factory=new_owner_id)
    _taken_at: float | None = None

    @property
    def name(self) -> str:
        return "backfill:" + url_hash(self.url)

    def take(self) -> None:
        """Take or renew the lock; BackfillBusy when another live backfill holds it."""
        holder = self.archive.run_write(
            lambda s: acquire_lock(
                s,
                self.name,
                self.owner,
                now=utcnow(),
                ttl=LOCK_TTL,
                holder_is_dead=died_on_this_host,
            )
        )
        if holder is not None:
            raise BackfillBusy(
                f"{self.url}: another backfill ({holder.owner}, since "
                f"{holder.acquired_at:%Y-%m-%d %H:%M:%SZ}) is working on it; rerun when it is "
                f"done (its lock expires at {holder.expires_at:%H:%M:%SZ} if it died elsewhere)"
            )
        self._taken_at = time.monotonic()

    def renew(self) -> None:
        """Renew the lock when it was last renewed a while ago."""
        if self._taken_at is None or time.monotonic() - self._taken_at >= RENEW_SECONDS:
            self.take()

    def release(self) -> None:
        self.archive.run_write(lambda s: release_lock(s, self.name, self.owner))


@contextmanager
def url_lock(archive: Archive, url: str) -> Iterator[UrlLock]:
    """Hold the URL's backfill lock for the block (released after it, even on error)."""
    lock = UrlLock(archive, url)
    lock.take()
    try:
        yield lock
    finally:
        lock.release()
