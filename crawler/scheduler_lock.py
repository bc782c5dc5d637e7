"""The scheduler's lock: one scheduler per archive (or per worker id), held for its whole life.

The long-running `schedule` holds it and hands its owner id to its rounds, which work under it
and never release it. A killed scheduler's lock is taken over at once when its process is gone
from this machine, or once it expires (a scheduler of another machine). No Scrapy here: the
long-running scheduler process itself imports only this and crawler/due.py.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import timedelta
from typing import Any

from crawler.owners import died_on_this_host
from storage import Archive, StorageError
from storage.frontier import renew_leases
from storage.locks import LockHolder, acquire_lock, release_lock
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

SCHEDULER_LOCK = "scheduler"
LOCK_TTL = timedelta(minutes=5)
LOCK_REFRESH_SECONDS = 60.0
RENEW_RETRY_SECONDS = 5.0
WORKER_ID = re.compile(r"^[A-Za-z0-9._-]{1,24}$")
OWNER_LENGTH = 64  # frontier.lease_owner and locks.owner


def scheduler_lock_name(worker_id: str | None) -> str:
    """The lock a scheduler holds: one for the archive, or one per cooperating worker id."""
    return SCHEDULER_LOCK if worker_id is None else f"{SCHEDULER_LOCK}:worker:{worker_id}"


def discovery_lock_name(site: str) -> str:
    return f"discovery:{site}"


class SchedulerBusy(StorageError):
    """Another scheduler holds the lock."""

    def __init__(self, holder: LockHolder) -> None:
        super().__init__(
            f"another scheduler ({holder.owner}, running since "
            f"{holder.acquired_at:%Y-%m-%d %H:%M:%SZ}) is working on this archive; "
            f"exiting (its lock expires at {holder.expires_at:%H:%M:%SZ} if it died)"
        )
        self.holder = holder


class SchedulerLock:
    """Holds the scheduler lock, and the discovery locks taken later, until released.

    A background thread renews them, and the frontier leases of the crawl being run
    (``keep_leases``), so that only a dead process's locks and leases expire. A ``borrowed``
    scheduler lock is a `schedule` parent's, held by a round under the parent's owner id:
    the round renews it while it runs but ``release`` leaves it to the parent.
    """

    def __init__(
        self, archive: Archive, owner: str, name: str = SCHEDULER_LOCK, *, borrowed: bool = False
    ) -> None:
        self.archive = archive
        self.owner = owner
        self.names = [name]
        self._borrowed = borrowed
        self._lease_owner: str | None = None
        self._lease_seconds = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _take(self, name: str) -> LockHolder | None:
        return self.archive.run_write(
            lambda s: acquire_lock(
                s, name, self.owner, now=utcnow(), ttl=LOCK_TTL, holder_is_dead=died_on_this_host
            )
        )

    def acquire(self) -> None:
        holder = self._take(self.names[0])
        if holder is not None:
            raise SchedulerBusy(holder)
        self._thread = threading.Thread(target=self._renew, name="scheduler-lock", daemon=True)
        self._thread.start()

    def try_take(self, name: str) -> bool:
        """Take one more lock if nobody else holds it; it is renewed and released with the rest."""
        if self._take(name) is not None:
            return False
        self.names.append(name)
        return True

    def keep_leases(self, lease_owner: str, lease_seconds: float) -> None:
        """Renew ``lease_owner``'s frontier leases with the locks, well before they expire."""
        self._lease_owner, self._lease_seconds = lease_owner, lease_seconds

    def _refresh_seconds(self) -> float:
        if self._lease_owner is None:
            return LOCK_REFRESH_SECONDS
        return min(LOCK_REFRESH_SECONDS, self._lease_seconds / 3)

    def _renew(self) -> None:
        renewed = time.monotonic()
        retry_at = 0.0
        while not self._stop.wait(1.0):
            # Checked every second: keep_leases may shorten the period after the thread started.
            now = time.monotonic()
            if now - renewed < self._refresh_seconds() or now < retry_at:
                continue
            try:
                for name in list(self.names):
                    holder = self._take(name)
                    if holder is not None:
                        log.warning("lost the lock %s to %s", name, holder.owner)
                if self._lease_owner is not None:
                    self.archive.run_write(self._renew_leases)
            except Exception as error:  # keep the thread alive: try again soon, not a period on
                log.warning("could not renew the scheduler's locks and leases: %s", error)
                retry_at = now + min(RENEW_RETRY_SECONDS, self._refresh_seconds())
            else:
                renewed = now

    def _renew_leases(self, session: Any) -> int:
        assert self._lease_owner is not None
        return renew_leases(
            session, self._lease_owner, now=utcnow(), lease_seconds=self._lease_seconds
        )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

        def work(session: Any) -> None:
            for name in self.names[1:] if self._borrowed else self.names:
                release_lock(session, name, self.owner)

        self.archive.run_write(work)
