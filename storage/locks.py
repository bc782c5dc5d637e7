"""Named, expiring locks in the database: one holder at a time, across processes and machines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import Lock


@dataclass(frozen=True)
class LockHolder:
    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


def acquire_lock(
    session: Session, name: str, owner: str, *, now: datetime, ttl: timedelta
) -> LockHolder | None:
    """Take or renew ``name`` for ``owner``; return the other holder if it is held and unexpired.

    Returns None on success. A lock whose holder stopped renewing it (a killed process) is taken
    over once it has expired.
    """
    row = session.scalars(select(Lock).where(Lock.name == name).with_for_update()).one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                session.add(Lock(name=name, owner=owner, acquired_at=now, expires_at=now + ttl))
        except IntegrityError:
            row = session.scalars(select(Lock).where(Lock.name == name)).one()
        else:
            return None
    if row.owner != owner and row.expires_at > now:
        return LockHolder(row.name, row.owner, row.acquired_at, row.expires_at)
    if row.owner != owner:
        row.acquired_at = now
    row.owner = owner
    row.expires_at = now + ttl
    return None


def release_lock(session: Session, name: str, owner: str) -> None:
    session.execute(delete(Lock).where(Lock.name == name, Lock.owner == owner))


def lock_holder(session: Session, name: str, *, now: datetime) -> LockHolder | None:
    row = session.get(Lock, name)
    if row is None or row.expires_at <= now:
        return None
    return LockHolder(row.name, row.owner, row.acquired_at, row.expires_at)
