"""Finding a frontier row: by id for its lease holder, by article, and which rows are due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.orm import Session

from storage.inserts import table_of
from storage.kinds import FrontierKind
from storage.models import Article, FrontierEntry
from storage.urls import host_of


def due(now: datetime) -> list[ColumnElement[bool]]:
    """The conditions of a row a worker may lease now: due, and not leased (or lease expired)."""
    return [
        FrontierEntry.next_fetch_at.is_not(None),
        FrontierEntry.next_fetch_at <= now,
        or_(FrontierEntry.lease_owner.is_(None), FrontierEntry.lease_expires_at <= now),
    ]


def row_of(session: Session, entry_id: int, owner: str | None) -> FrontierEntry | None:
    """The row; for a lease holder, locked and as it is now, to see whether it is still his."""
    if owner is None:
        return session.get(FrontierEntry, entry_id)
    query = select(FrontierEntry).where(FrontierEntry.id == entry_id).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def taken_over(row: FrontierEntry, owner: str | None) -> bool:
    """Whether ``owner`` lost the row's lease to another worker (never, without an owner)."""
    return owner is not None and row.lease_owner is not None and row.lease_owner != owner


def article_entry(session: Session, article: Article, *, now: datetime) -> FrontierEntry:
    """The article's frontier row, created (scoped to its host) if it has none yet."""
    entry = existing_article_entry(session, article)
    if entry is None:
        entry = FrontierEntry(**new_article_entry(article, now=now))
        session.add(entry)
    return entry


def existing_article_entry(session: Session, article: Article) -> FrontierEntry | None:
    return session.scalar(select(FrontierEntry).where(FrontierEntry.url_hash == article.url_hash))


def new_article_entry(article: Article, *, now: datetime) -> dict[str, object]:
    """The column values of a new frontier row for an archived article (scoped to its host)."""
    host = host_of(article.url)
    return {
        "url": article.url,
        "url_hash": article.url_hash,
        "host": host,
        "scope": host,
        "kind": FrontierKind.ARTICLE.value,
        "source": "archive",
        "depth": 0,
        "discovered_at": now,
        "attempts": 0,
        "article_id": article.id,
        "last_fetched_at": article.last_captured_at,
    }


_FRONTIER = table_of(FrontierEntry)
# The fixed columns of an article's row with its lease given back (ARTICLE_ROW sets them).
RELEASED_ARTICLE: dict[str, object] = {
    "kind": FrontierKind.ARTICLE.value,
    "lease_owner": None,
    "lease_expires_at": None,
}
# An article's row, its lease given back: where finishing a fetch and `revisit` both start.
# ARTICLE_ROWS leaves which rows to the caller; ARTICLE_ROW is the row of ``b_entry_id``.
ARTICLE_ROWS = update(_FRONTIER).values(article_id=bindparam("b_article_id"), **RELEASED_ARTICLE)
ARTICLE_ROW = ARTICLE_ROWS.where(_FRONTIER.c.id == bindparam("b_entry_id"))
