"""Finishing a leased row: a fetch completed or failed, an archived article's next visit."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

from sqlalchemy import Update, bindparam, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from storage.frontier.rows import (
    ARTICLE_ROW,
    ARTICLE_ROWS,
    RELEASED_ARTICLE,
    new_article_entry,
    row_of,
    taken_over,
)
from storage.inserts import insert_new, table_of
from storage.models import Article, FrontierEntry
from storage.prepared import Prepared
from storage.revisits import DEFAULT_REVISIT_POLICY, RevisitPolicy
from storage.version_rows import published_of

_FRONTIER = table_of(FrontierEntry)
_ENTRY_OF_ARTICLE = Prepared(
    select(_FRONTIER.c.id).where(_FRONTIER.c.url_hash == bindparam("url_hash"))
)
_KEPT_BECAUSE = Prepared(
    _FRONTIER.update()
    .where(_FRONTIER.c.id == bindparam("b_id"))
    .values(kept_because=bindparam("b_reason"))
)


def complete_fetch(
    session: Session,
    entry_id: int,
    *,
    now: datetime,
    outcome: str,
    next_fetch_at: datetime | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    article_id: int | None = None,
    kind: str | None = None,
    owner: str | None = None,
) -> bool:
    """Finish a leased row: record the outcome and when (if ever) it is due again.

    With ``owner``, only while the row is not another worker's lease: a worker whose lease
    expired and was taken over leaves the row to the new holder. Returns whether it was finished.
    """
    row = row_of(session, entry_id, owner)
    if row is None or taken_over(row, owner):
        return False
    row.lease_owner = None
    row.lease_expires_at = None
    row.last_fetched_at = now
    row.last_outcome = outcome[:32]
    row.next_fetch_at = next_fetch_at
    row.attempts = 0
    if etag is not None:
        row.etag = etag[:1024]
    if last_modified is not None:
        row.last_modified = last_modified[:255]
    if article_id is not None:
        row.article_id = article_id
    if kind is not None:
        row.kind = kind
    return True


def fail_fetch(
    session: Session,
    entry_id: int,
    *,
    now: datetime,
    reason: str,
    retryable: bool,
    max_attempts: int = 3,
    backoff: timedelta = timedelta(minutes=5),
    owner: str | None = None,
) -> bool:
    """Record a failed fetch; a retryable one is due again after a growing pause, up to a limit.

    ``owner`` and the result as for ``complete_fetch``.
    """
    row = row_of(session, entry_id, owner)
    if row is None or taken_over(row, owner):
        return False
    row.lease_owner = None
    row.lease_expires_at = None
    row.last_outcome = reason[:32]
    if retryable and row.attempts < max_attempts:
        row.next_fetch_at = now + backoff * (2 ** max(row.attempts - 1, 0))
    else:
        row.last_fetched_at = now
        row.next_fetch_at = None
        row.attempts = 0
    return True


# A finished article row: besides RELEASED_ARTICLE, its columns' fixed values and those taken
# from a parameter of ``finish_article_row`` (``article_row_values``). The UPDATE binds them;
# a row made new (``schedule_revisit``) takes the same values, so the two cannot drift apart.
_FINISHED_FIXED: dict[str, object] = {**RELEASED_ARTICLE, "attempts": 0}
_FINISHED_FROM = {
    "article_id": "b_article_id",
    "published_at": "b_published_at",
    "last_fetched_at": "b_now",
    "last_outcome": "b_outcome",
    "next_fetch_at": "b_next_fetch_at",
    "etag": "b_etag",
    "last_modified": "b_last_modified",
}
# Columns the UPDATE keeps when their parameter is None: always, and after a 304 (see below).
_KEPT_IF_NONE = ("published_at",)
_KEPT_IF_NONE_AFTER_304 = ("etag", "last_modified")


@cache
def finish_article_row(*, of_owner: bool, not_modified: bool, by_url: bool = False) -> Update:
    """The one statement that finishes an archived article's row after a fetch.

    Parameters: ``b_entry_id`` (with ``by_url``: ``b_url_hash``, the row of that URL, whose
    id the statement returns), ``b_article_id``, ``b_published_at`` (the latest version's;
    None keeps the row's), ``b_now``, ``b_outcome``, ``b_next_fetch_at``, ``b_etag``,
    ``b_last_modified``, and ``b_owner`` when ``of_owner``.

    A full answer's validators replace the row's (one without an ETag leaves none). A 304
    (``not_modified``) updates only the validators it carries and keeps the others: it does not
    say the page lost its ETag (RFC 9111, 4.3.4). With ``of_owner`` the row is finished only
    while no other worker holds its lease; in one statement, so on PostgreSQL the condition is
    checked again on the locked row.
    """
    kept = _KEPT_IF_NONE + (_KEPT_IF_NONE_AFTER_304 if not_modified else ())
    values: dict[str, Any] = dict(_FINISHED_FIXED)
    for column, parameter in _FINISHED_FROM.items():
        value: Any = bindparam(parameter, type_=_FRONTIER.c[column].type)
        values[column] = func.coalesce(value, _FRONTIER.c[column]) if column in kept else value
    statement: Update
    if by_url:
        rows = ARTICLE_ROWS.where(_FRONTIER.c.url_hash == bindparam("b_url_hash"))
        statement = rows.values(values).returning(_FRONTIER.c.id)
    else:
        statement = ARTICLE_ROW.values(values)
    if of_owner:
        lease = _FRONTIER.c.lease_owner
        statement = statement.where(or_(lease.is_(None), lease == bindparam("b_owner")))
    return statement


def finished_columns(parameters: dict[str, Any]) -> dict[str, Any]:
    """The columns ``finish_article_row`` gives a row that held nothing before (a new row's
    are None, so what the UPDATE would keep is the parameter's value too)."""
    return _FINISHED_FIXED | {c: parameters[p] for c, p in _FINISHED_FROM.items()}


def article_row_values(
    *,
    entry_id: int | None,
    article_id: int,
    published_at: datetime | None,
    now: datetime,
    outcome: str,
    next_fetch_at: datetime | None,
    etag: str | None,
    last_modified: str | None,
    owner: str | None = None,
) -> dict[str, Any]:
    """The parameters of ``finish_article_row``, cut to the columns' lengths (``entry_id``
    None: for a row not made yet)."""
    return {
        "b_entry_id": entry_id,
        "b_article_id": article_id,
        "b_published_at": published_at,
        "b_now": now,
        "b_outcome": outcome[:32],
        "b_next_fetch_at": next_fetch_at,
        "b_etag": etag[:1024] if etag else None,
        "b_last_modified": last_modified[:255] if last_modified else None,
        "b_owner": owner,
    }


def schedule_revisit(
    session: Session,
    article_id: int,
    *,
    now: datetime,
    policy: RevisitPolicy = DEFAULT_REVISIT_POLICY,
    etag: str | None = None,
    last_modified: str | None = None,
    frontier_id: int | None = None,
    outcome: str = "archived",
    owner: str | None = None,
    version: int | None = None,
    published_at: datetime | None = None,
) -> datetime | None:
    """After a fetch of an archived article, set when it is due again (None: never).

    Age counts from the published date of the latest version when known, else from the first
    capture; untracked articles are never due. ``published_at`` is version ``version``'s date,
    given by a caller that just recorded that version (``CaptureResult``): when ``version`` is
    the latest, the date is not read again. The article's frontier row is created if it has
    none (one-off archiving), so the schedule is data that survives restarts. With ``owner``,
    a row another worker has leased meanwhile is left to it, and its schedule returned. The
    outcome ``not_modified`` (a 304) keeps the validators the answer does not repeat.
    """
    article = session.get(Article, article_id)
    if article is None:
        return None
    if version is not None and version == article.version_count:
        published = published_at
    else:
        published = published_of(session, article_id, article.version_count)
    next_at = policy.next_for_article(
        now, published_at=published, first_seen_at=article.first_seen_at, track=article.track
    )
    values = partial(
        article_row_values,
        article_id=article_id,
        published_at=published,
        now=now,
        outcome=outcome,
        next_fetch_at=next_at,
        etag=etag,
        last_modified=last_modified,
        owner=owner,
    )
    not_modified = outcome == "not_modified"
    row = None
    if frontier_id is not None:
        statement = _finishing(of_owner=owner is not None, not_modified=not_modified)
        if statement.count(session, values(entry_id=frontier_id)) == 1:
            return next_at
        # No such row, or another worker leased it meanwhile: decide on the row itself.
        row = row_of(session, frontier_id, owner)
        if row is not None and taken_over(row, owner):
            return row.next_fetch_at
    if row is not None:
        entry_id: int | None = row.id
    else:
        # A new article rarely has a row yet: try making it first; others finish theirs,
        # found by the article's URL, in one statement.
        if outcome != "new":
            by_url = _finishing(of_owner=False, not_modified=not_modified, by_url=True)
            parameters = values(entry_id=None) | {"b_url_hash": article.url_hash}
            finished = by_url.scalar(session, parameters)
            if finished is not None:
                _expire_copy(session, int(finished))
                return next_at
        # One-off archiving: the row is made as the statement below would leave it.
        row_values = new_article_entry(article, now=now)
        row_values |= finished_columns(values(entry_id=None))
        made = insert_new(session, _FRONTIER, row_values)
        if made is not None:
            return next_at
        entry_id = _entry_of(session, article)
    _finishing(of_owner=False, not_modified=not_modified).count(session, values(entry_id=entry_id))
    _expire_copy(session, entry_id)
    return next_at


def _expire_copy(session: Session, entry_id: int | None) -> None:
    """A statement went past the ORM: a copy of the row in the session is read afresh if asked."""
    stale = session.identity_map.get(identity_key(FrontierEntry, entry_id))
    if stale is not None:
        session.expire(stale)


def _entry_of(session: Session, article: Article) -> int | None:
    """The id of the article's frontier row (None: it has none)."""
    found = _ENTRY_OF_ARTICLE.scalar(session, {"url_hash": article.url_hash})
    return None if found is None else int(found)


@cache
def _finishing(*, of_owner: bool, not_modified: bool, by_url: bool = False) -> Prepared:
    """``finish_article_row`` run on the driver's cursor (storage.prepared)."""
    statement = finish_article_row(of_owner=of_owner, not_modified=not_modified, by_url=by_url)
    return Prepared(statement)


def note_kept_because(session: Session, entry_id: int, reason: str) -> None:
    """Record on a row why its page was archived as an article (``frontier.kept_because``)."""
    _KEPT_BECAUSE.count(session, {"b_id": entry_id, "b_reason": reason[:32]})
