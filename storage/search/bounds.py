"""The one bound on a search, the same in the CLI, the API and the web UI.

A query is refused before it runs when it is longer than ``MAX_QUERY_CHARS`` or has more than
``MAX_QUERY_TERMS`` terms (a 2,000-term OR query took minutes on FTS5); a query that still runs
longer than ``SEARCH_TIME_LIMIT`` seconds is interrupted inside the database (SQLite's progress
handler, PostgreSQL's ``statement_timeout``). Either way the caller gets ``InvalidQuery`` (the
web answers 400, the CLI one line and exit 1) with a message that says how to narrow the search.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from storage.reading import Reads, SessionReads, SqliteReads, reads_of
from storage.search.query import InvalidQuery, parse_query

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "SEARCH_TIME_LIMIT",
    "SearchTooSlow",
    "check_query_size",
    "time_limited",
]

MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 64
SEARCH_TIME_LIMIT = 10.0  # seconds
# SQLite calls the progress handler every this many virtual-machine instructions (well under 1 ms).
_PROGRESS_STEPS = 1_000


class SearchTooSlow(InvalidQuery):
    """The search ran past the time limit and was interrupted."""


def check_query_size(query: str) -> None:
    """InvalidQuery when ``query`` is longer or has more terms than a search may have."""
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidQuery(
            f"search query too long: {len(query)} characters (at most {MAX_QUERY_CHARS})"
        )
    terms = len(parse_query(query).terms)
    if terms > MAX_QUERY_TERMS:
        raise InvalidQuery(
            f"search query has too many terms: {terms} (at most {MAX_QUERY_TERMS}); "
            "use fewer words or prefix* terms"
        )


def too_slow(seconds: float) -> SearchTooSlow:
    return SearchTooSlow(
        f"search stopped after {seconds:g} s (the time limit): narrow it with more words, "
        "a site or a date range"
    )


@contextmanager
def time_limited(source: Session | Reads, seconds: float) -> Iterator[None]:
    """Interrupt the statements run inside after ``seconds``; SearchTooSlow when it happens.

    On SQLite a progress handler returns non-zero past the deadline (SQLite then aborts the
    statement with "interrupted"); on PostgreSQL ``statement_timeout`` is set for a savepoint,
    so a cancelled statement leaves the session's transaction usable.
    """
    reads = reads_of(source)
    if isinstance(reads, SqliteReads):
        with _sqlite_deadline(reads.connection, seconds):
            yield
    elif isinstance(reads, SessionReads) and reads.dialect == "postgresql":
        with _postgres_timeout(reads.session, seconds):
            yield
    else:
        yield


@contextmanager
def _sqlite_deadline(raw: sqlite3.Connection, seconds: float) -> Iterator[None]:
    deadline = time.monotonic() + seconds
    expired = False

    def past_deadline() -> int:
        nonlocal expired
        expired = time.monotonic() > deadline
        return 1 if expired else 0

    raw.set_progress_handler(past_deadline, _PROGRESS_STEPS)
    try:
        yield
    except Exception:
        if expired:
            raise too_slow(seconds) from None
        raise
    finally:
        raw.set_progress_handler(None, 0)


@contextmanager
def _postgres_timeout(session: Session, seconds: float) -> Iterator[None]:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    savepoint = session.begin_nested()
    before = session.scalar(text("SELECT current_setting('statement_timeout')"))
    session.execute(
        text("SELECT set_config('statement_timeout', :limit, true)"),
        {"limit": f"{max(1, int(seconds * 1000))}ms"},
    )
    try:
        yield
    except OperationalError as error:
        savepoint.rollback()
        if "statement timeout" in str(error.orig):
            raise too_slow(seconds) from None
        raise
    except BaseException:
        savepoint.rollback()
        raise
    else:
        # Back to what it was for the rest of the transaction.
        session.execute(
            text("SELECT set_config('statement_timeout', :limit, true)"), {"limit": before}
        )
        savepoint.commit()
