"""The crawl's shared per-host request slots (table ``host_politeness``), for backfill's client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from storage import Archive
from storage.locks import pause_host, reserve_host_slot
from storage.timeutil import utcnow

__all__ = ["DatabaseSlots"]


@dataclass
class DatabaseSlots:
    """Reserves a host's requests in the database the crawl workers use (ARCHIVE_SHARED_DELAY).

    A backfill and any crawl or other backfill on the same database then keep one schedule per
    host: an archive host that a crawl also fetches from is not asked twice as often, and a
    Retry-After one of them receives holds for all.
    """

    archive: Archive

    def reserve(self, host: str, delay: float) -> float:
        wait = self.archive.run_write(
            lambda s: reserve_host_slot(s, host, now=utcnow(), delay=timedelta(seconds=delay))
        )
        return wait.total_seconds()

    def pause(self, host: str, seconds: float) -> None:
        self.archive.run_write(
            lambda s: pause_host(s, host, now=utcnow(), pause=timedelta(seconds=seconds))
        )
