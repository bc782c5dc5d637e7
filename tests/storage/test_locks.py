"""Named expiring locks: one holder at a time, a dead holder's lock taken over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Archive
from storage.locks import acquire_lock, release_lock

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def take(archive: Archive, owner: str, now: datetime, dead: set[str] | None = None) -> str | None:
    def work(session: object) -> str | None:
        holder = acquire_lock(
            session,  # type: ignore[arg-type]
            "scheduler",
            owner,
            now=now,
            ttl=TTL,
            holder_is_dead=None if dead is None else dead.__contains__,
        )
        return None if holder is None else holder.owner

    return archive.run_write(work)


def test_a_live_holder_keeps_its_lock_until_it_expires(archive: Archive) -> None:
    assert take(archive, "a", T0) is None
    assert take(archive, "b", T0 + timedelta(minutes=1)) == "a"
    assert take(archive, "a", T0 + timedelta(minutes=4)) is None  # renewed
    assert take(archive, "b", T0 + timedelta(minutes=8)) == "a"
    assert take(archive, "b", T0 + timedelta(minutes=10)) is None  # expired: taken over


def test_a_dead_holder_s_lock_is_taken_over_at_once(archive: Archive) -> None:
    assert take(archive, "a", T0) is None
    assert take(archive, "b", T0, dead=set()) == "a"
    assert take(archive, "b", T0, dead={"a"}) is None
    assert take(archive, "a", T0, dead=set()) == "b"
    archive.run_write(lambda s: release_lock(s, "scheduler", "b"))
    assert take(archive, "a", T0) is None
