"""Recording many 304 answers at once: the cheap path of a revisit round.

Most answers of a revisit round are 304 Not Modified. Each one records one capture row,
confirms the latest version and schedules the article's next visit: the same few statements
for every answer, so a group of answers is recorded with one statement per table (executemany)
instead of one round of ORM work per answer. The result for every answer is the same as
``record_not_modified`` followed by ``schedule_revisit`` gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.archive import capture_row, final_url_of
from storage.frontier.finishing import article_row_values, finish_article_row
from storage.inserts import table_of
from storage.kinds import FrontierKind
from storage.models import Article, Capture, FrontierEntry, Version
from storage.records import CaptureResult, FetchedPage
from storage.revisits import DEFAULT_REVISIT_POLICY, RevisitPolicy
from storage.urls import strip_credentials

__all__ = ["NotModified", "record_not_modified_many"]

_ARTICLES = table_of(Article)
_VERSIONS = table_of(Version)


@dataclass(frozen=True)
class NotModified:
    """One 304 answer to a conditional request for the article in frontier row ``frontier_id``."""

    page: FetchedPage
    frontier_id: int
    policy: RevisitPolicy = DEFAULT_REVISIT_POLICY


def record_not_modified_many(
    session: Session,
    answers: Sequence[NotModified],
    *,
    now: datetime,
    crawl_run_id: int | None = None,
    owner: str | None = None,
) -> list[CaptureResult | None]:
    """Record each answer; None for one this path cannot take (record it on its own).

    An answer is left to the caller when its frontier row is gone or is not an archived
    article's, or when ``owner`` is given and another worker has leased the row meanwhile
    (then nothing is recorded for it here either way).
    """
    rows = _articles(session, [answer.frontier_id for answer in answers])
    results: list[CaptureResult | None] = [None] * len(answers)
    taken: list[int] = []
    for position, answer in enumerate(answers):
        row = rows.get(answer.frontier_id)
        if row is None or row.latest_id is None:
            continue
        if owner is not None and row.lease_owner not in (None, owner):
            continue  # another worker's lease now: its fetch will record the article
        taken.append(position)
    if not taken:
        return results
    captures = [
        capture_row(
            answers[i].page,
            "not_modified",
            article_id=rows[answers[i].frontier_id].article_id,
            crawl_run_id=crawl_run_id,
            version_id=rows[answers[i].frontier_id].latest_id,
        )
        for i in taken
    ]
    capture_ids = session.scalars(
        insert(Capture).returning(Capture.id, sort_by_parameter_order=True), captures
    ).all()
    _confirm(session, [(rows[answers[i].frontier_id], answers[i].page) for i in taken])
    _reschedule(session, [(rows[answers[i].frontier_id], answers[i]) for i in taken], now, owner)
    for i, capture_id in zip(taken, capture_ids, strict=True):
        row, page = rows[answers[i].frontier_id], answers[i].page
        results[i] = CaptureResult(
            url=row.url,
            requested_url=strip_credentials(page.requested_url),
            final_url=final_url_of(page),
            status="not_modified",
            capture_id=capture_id,
            article_id=row.article_id,
            version=row.version_count,
            title=row.title,
            published_at=row.published_at,
        )
    return results


def _articles(session: Session, frontier_ids: list[int]) -> dict[int, Any]:
    """Per frontier row: its article, the article's latest version and the row's lease."""
    query = (
        select(
            FrontierEntry.id.label("frontier_id"),
            FrontierEntry.lease_owner,
            FrontierEntry.etag,
            FrontierEntry.last_modified,
            Article.id.label("article_id"),
            Article.url,
            Article.track,
            Article.first_seen_at,
            Article.version_count,
            Version.id.label("latest_id"),
            Version.title,
            Version.published_at,
        )
        .join(Article, Article.id == FrontierEntry.article_id)
        .outerjoin(
            Version,
            and_(Version.article_id == Article.id, Version.number == Article.version_count),
        )
        .where(FrontierEntry.id.in_(frontier_ids), FrontierEntry.kind == FrontierKind.ARTICLE)
    )
    if session.get_bind().dialect.name != "sqlite":  # SQLite: the write lock is ours already
        query = query.with_for_update(of=FrontierEntry)
    return {row.frontier_id: row for row in session.execute(query)}


def _confirm(session: Session, confirmed: list[tuple[Row[Any], FetchedPage]]) -> None:
    """The latest versions are confirmed and the articles captured at the answers' times."""
    session.execute(
        update(_VERSIONS)
        .where(_VERSIONS.c.id == bindparam("b_id"))
        .values(last_confirmed_at=bindparam("b_at")),
        [{"b_id": row.latest_id, "b_at": page.fetched_at} for row, page in confirmed],
    )
    session.execute(
        update(_ARTICLES)
        .where(_ARTICLES.c.id == bindparam("b_id"))
        .values(last_captured_at=bindparam("b_at")),
        [{"b_id": row.article_id, "b_at": page.fetched_at} for row, page in confirmed],
    )


def _reschedule(
    session: Session,
    answered: list[tuple[Row[Any], NotModified]],
    now: datetime,
    owner: str | None,
) -> None:
    """Release each row's lease and set its next visit by its policy, as schedule_revisit does."""
    statement = finish_article_row(of_owner=owner is not None, not_modified=True)
    parameters = [
        article_row_values(
            entry_id=row.frontier_id,
            article_id=row.article_id,
            published_at=row.published_at,
            now=now,
            outcome="not_modified",
            next_fetch_at=answer.policy.next_for_article(
                now, published_at=row.published_at, first_seen_at=row.first_seen_at, track=row.track
            ),
            etag=answer.page.header("etag"),
            last_modified=answer.page.header("last-modified"),
            owner=owner,
        )
        for row, answer in answered
    ]
    session.execute(statement, parameters)
