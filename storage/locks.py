"""Named, expiring locks in the database: one holder at a time, across processes and machines.

Also the shared per-host politeness slots: a host's next allowed request time, reserved
atomically so that workers on one database share a host's delay instead of multiplying it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import HostPoliteness, Lock


@dataclass(frozen=True)
class LockHolder:
    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


def acquire_lock(
    session: Session,
    name: str,
    owner: str,
    *,
    now: datetime,
    ttl: timedelta,
    holder_is_dead: Callable[[str], bool] | None = None,
) -> LockHolder | None:
    """Take or renew ``name`` for ``owner``; return the other holder if it is held and unexpired.

    Returns None on success. A lock whose holder stopped renewing it (a killed process) is taken
    over once it has expired, or at once when ``holder_is_dead(its owner)`` says so (the caller
    knows how to tell, e.g. a process of this machine that no longer exists).
    """
    locked = select(Lock).where(Lock.name == name).with_for_update()
    locked = locked.execution_options(populate_existing=True)
    row = session.scalars(locked).one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                session.add(Lock(name=name, owner=owner, acquired_at=now, expires_at=now + ttl))
        except IntegrityError:
            row = session.scalars(locked).one()
        else:
            return None
    alive = holder_is_dead is None or not holder_is_dead(row.owner)
    if row.owner != owner and row.expires_at > now and alive:
        return LockHolder(row.name, row.owner, row.acquired_at, row.expires_at)
    if row.owner != owner:
        row.acquired_at = now
    row.owner = owner
    row.expires_at = now + ttl
    return None


def release_lock(session: Session, name: str, owner: str) -> None:
    session.execute(delete(Lock).where(Lock.name == name, Lock.owner == owner))


def database_now(session: Session, fallback: datetime) -> datetime:
    """The database server's clock on PostgreSQL (one clock for all machines), else ``fallback``."""
    if session.get_bind().dialect.name != "postgresql":
        return fallback
    now = session.scalar(select(func.clock_timestamp()))
    return fallback if now is None else now


def reserve_host_slot(session: Session, host: str, *, now: datetime, delay: timedelta) -> timedelta:
    """Reserve the next request slot for ``host``; return how long to wait before sending it.

    The host's row is locked (FOR UPDATE; SQLite's write transaction serialises instead), so
    concurrent workers get slots ``delay`` apart. On PostgreSQL the server's clock is used, so
    machines with skewed clocks still agree.
    """
    now = database_now(session, now)
    row = _locked_host(session, host, next_request_at=now + delay)
    if row is None:
        return timedelta(0)
    # The clock again, now that the row is ours: time spent waiting for another worker's lock
    # is time already waited, not to be slept on top (the request would go late, and the next
    # worker's on time: closer than the delay at the server).
    now = database_now(session, now)
    start = max(row.next_request_at, now)
    row.next_request_at = start + delay
    return start - now


def reserve_host_slot_at(session: Session, host: str, *, now: datetime, delay: timedelta) -> float:
    """``reserve_host_slot`` as the ``time.monotonic()`` moment the request may be sent.

    A wait measured from the moment the slot was reserved, so that the commit, and the hop
    back from a worker thread, on a loaded machine, are not slept again on top of it.
    """
    wait = reserve_host_slot(session, host, now=now, delay=delay)
    return time.monotonic() + wait.total_seconds()  # read once the slot is reserved


def pause_host(session: Session, host: str, *, now: datetime, pause: timedelta) -> None:
    """Let no worker send ``host`` a request before ``pause`` from now (a Retry-After).

    Slots already reserved later than that stand; on PostgreSQL the server's clock is used.
    """
    now = database_now(session, now)
    row = _locked_host(session, host, next_request_at=now + pause)
    if row is not None:
        row.next_request_at = max(row.next_request_at, now + pause)


def _locked_host(
    session: Session, host: str, *, next_request_at: datetime
) -> HostPoliteness | None:
    """The host's row, locked; None if it had none and one was added with ``next_request_at``."""
    locked = select(HostPoliteness).where(HostPoliteness.host == host).with_for_update()
    locked = locked.execution_options(populate_existing=True)
    row = session.scalars(locked).one_or_none()
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(HostPoliteness(host=host, next_request_at=next_request_at))
    except IntegrityError:  # another worker added it meanwhile
        return session.scalars(locked).one()
    return None
