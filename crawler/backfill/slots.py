"""The crawl's shared per-host request slots (table ``host_politeness``), for backfill's client."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from storage import Archive
from storage.locks import pause_host, reserve_host_slot_at
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
        send_at = self.archive.run_write(
            lambda s: reserve_host_slot_at(s, host, now=utcnow(), delay=timedelta(seconds=delay))
        )
        return send_at - time.monotonic()

    def pause(self, host: str, seconds: float) -> None:
        self.archive.run_write(
            lambda s: pause_host(s, host, now=utcnow(), pause=timedelta(seconds=seconds))
        )
