"""Putting a backfilled version in its place: versions renumbered in capture-time order.

A version older than some already archived goes in after the version in force at its time
(``previous``); the versions after it move up by one in the same transaction, the move is
recorded in ``renumberings``, and the next version's change summary is recomputed against the
inserted one (docs/backfill.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.changes import PreviousContent, summarise_change
from storage.content import ArticleContent
from storage.models import Article, Version, VersionRenumbering
from storage.records import FetchedPage
from storage.timeutil import utcnow
from storage.version_rows import insert_version, version_from_content
from storage.versioning import NewContent

BACKFILL_ORIGIN = "backfill"


def previous_content(version: Version) -> PreviousContent:
    return PreviousContent(
        title=version.title,
        authors=list(version.authors),
        text=version.text,
        published_at=version.published_at,
        modified_at=version.modified_at,
    )


def insert_in_order(
    session: Session,
    article: Article,
    previous: Version | None,
    following: Version | None,
    content: ArticleContent,
    new: NewContent,
    page: FetchedPage,
) -> Version:
    """Insert the backfilled version after ``previous``, moving later versions up by one."""
    number = previous.number + 1 if previous else 1
    change = None
    if previous is not None:
        change = summarise_change(
            previous_content(previous), content, _earlier_same(session, article, new, number)
        ).as_json()
    if following is not None:
        _shift_from(session, article.id, number)
    confirmed_until = page.fetched_at
    version = version_from_content(
        content,
        article_id=article.id,
        number=number,
        digest=new.content_hash,
        captured_at=page.fetched_at,
        last_confirmed_at=confirmed_until,
        origin=BACKFILL_ORIGIN,
        change=change,
    )
    insert_version(session, version)
    article.version_count = (article.version_count or 0) + 1
    if following is not None:
        session.refresh(following)
        following.change = _change_after(version, following)
    return version


def _earlier_same(session: Session, article: Article, new: NewContent, before: int) -> int | None:
    """The latest version before number ``before`` with the same content (a flip-flop)."""
    return session.scalar(
        select(Version.number)
        .where(
            Version.article_id == article.id,
            Version.content_hash == new.content_hash,
            Version.number < before,
        )
        .order_by(Version.number.desc())
        .limit(1)
    )


def _shift_from(session: Session, article_id: int, number: int) -> None:
    """Versions numbered ``number`` and up move up by one, without breaking (article, number).

    Two statements: first to negative numbers, then back, so no row ever takes a number another
    still holds (SQLite and PostgreSQL both check the unique constraint row by row).
    """
    session.flush()
    mine = (Version.article_id == article_id, Version.number >= number)
    session.execute(
        update(Version).where(*mine).values(number=-(Version.number + 1)),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Version)
        .where(Version.article_id == article_id, Version.number < 0)
        .values(number=-Version.number),
        execution_options={"synchronize_session": False},
    )


def _change_after(inserted: Version, following: Version) -> dict[str, Any]:
    """``following``'s change summary, now against the version inserted before it."""
    content = ArticleContent(
        text=following.text,
        title=following.title,
        authors=tuple(following.authors),
        published_at=following.published_at,
        modified_at=following.modified_at,
    )
    summary = summarise_change(previous_content(inserted), content, None).as_json()
    kept = {k: v for k, v in (following.change or {}).items() if k not in summary}
    return {**kept, **summary}


def record_renumbering(
    session: Session, article: Article, from_number: int, capture_id: int
) -> None:
    shifted = article.version_count - from_number
    session.add(
        VersionRenumbering(
            article_id=article.id,
            renumbered_at=utcnow(),
            from_number=from_number,
            shifted=shifted,
            capture_id=capture_id,
            reason="backfill_inserted_older_version",
        )
    )
