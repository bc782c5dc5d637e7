"""Where a version was first seen: a web archive's memento (backfilled) or our own fetch.

A version's first capture is the earliest capture linked to it. When that capture came from a
web archive (``captures.archive``), the version is shown as backfilled, with the archive, the
memento URL and the original capture time, even when our own crawl made the version and a
backfilled capture later showed it was there earlier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Capture
from storage.timeutil import as_utc

__all__ = ["ArchiveOrigin", "archive_origins"]


@dataclass(frozen=True)
class ArchiveOrigin:
    """The web-archive capture a version was first seen in."""

    archive: str
    memento_url: str | None
    captured_at: datetime


def archive_origins(session: Session, version_ids: Iterable[int]) -> dict[int, ArchiveOrigin]:
    """For each of ``version_ids`` first seen in a web archive, that archive capture."""
    ids = list(version_ids)
    found: dict[int, ArchiveOrigin] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Capture.version_id, Capture.archive, Capture.memento_url, Capture.fetched_at)
            .where(Capture.version_id.in_(ids[start : start + 500]))
            .order_by(Capture.version_id, Capture.fetched_at, Capture.id)
        )
        seen: set[int] = set()
        for version_id, archive, memento_url, fetched_at in rows:
            if version_id is None or version_id in seen:
                continue
            seen.add(version_id)
            if archive:
                found[version_id] = ArchiveOrigin(archive, memento_url, as_utc(fetched_at))
    return found
