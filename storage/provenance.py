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
from typing import TYPE_CHECKING

from storage.reading import Reads, in_list, reads_of, required_time

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["ArchiveOrigin", "archive_origins"]

_FIRST_CAPTURES = (
    "SELECT version_id, archive, memento_url, fetched_at FROM captures "
    "WHERE version_id IN {ids} ORDER BY version_id, fetched_at, id"
)


@dataclass(frozen=True)
class ArchiveOrigin:
    """The web-archive capture a version was first seen in."""

    archive: str
    memento_url: str | None
    captured_at: datetime


def archive_origins(
    source: Session | Reads, version_ids: Iterable[int]
) -> dict[int, ArchiveOrigin]:
    """For each of ``version_ids`` first seen in a web archive, that archive capture."""
    reads = reads_of(source)
    ids = list(version_ids)
    found: dict[int, ArchiveOrigin] = {}
    for start in range(0, len(ids), 500):
        placeholders, params = in_list("version", ids[start : start + 500])
        rows = reads.rows(_FIRST_CAPTURES.format(ids=placeholders), params)
        seen: set[int] = set()
        for version_id, archive, memento_url, fetched_at in rows:
            if version_id is None or version_id in seen:
                continue
            seen.add(version_id)
            if archive:
                found[version_id] = ArchiveOrigin(archive, memento_url, required_time(fetched_at))
    return found
