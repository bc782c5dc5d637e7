"""Partial capture indexes (migration 0018): only rows with a value indexed, every reader served.

Five capture columns are NULL on most rows (revisits have no version, no body of their own, no
memento URL). Their indexes hold only the rows where the column is set, and each query that
reads one must still find its rows through it, not by reading every capture: the statements
the library really sends are recorded and explained on SQLite. The same holds for the
errors' index (migration 0019: ``outcome = 'error'`` only).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, select

from storage import Archive, ArticleContent, FetchedPage, record_capture
from storage.backfill import recorded_mementos
from storage.counters import recount_sites
from storage.models import PARTIAL_CAPTURE_INDEXES, Capture
from storage.provenance import archive_origins
from storage.reextraction import reextract_candidates
from storage.warc_export import write_warc
from tests.conftest import ON_POSTGRES
from tests.storage.conftest import T0, html_page, index_definitions

URL = "https://www.nbcnews.com/news/world/river-floods-lower-town-n1067061"
PARAGRAPHS = "The river rose two metres overnight.\nResidents left before dawn.\n"


def _capture_twice(archive: Archive) -> None:
    """A new capture (version, body) and an unchanged revisit (no version id, no body of its own
    once a body is kept once)."""
    body = html_page("River floods lower town", PARAGRAPHS)
    content = ArticleContent(text=PARAGRAPHS, title="River floods lower town", extractor="t")
    for hours in (0, 5):
        page = FetchedPage(
            URL, URL, T0 + timedelta(hours=hours), 200, {"content-type": "text/html"}, body
        )
        archive.run_write(partial(record_capture, page=page, content=content))


def test_each_partial_index_holds_only_the_rows_with_a_value(archive: Archive) -> None:
    _capture_twice(archive)
    definitions = index_definitions(archive, "captures")
    with archive.read() as session:
        nulls = session.scalar(select(Capture.id).where(Capture.memento_url.is_(None)).limit(1))
    assert nulls is not None  # the rows these indexes leave out exist
    for column in PARTIAL_CAPTURE_INDEXES:
        definition = " ".join(definitions[f"ix_captures_{column}"].split())
        assert f"WHERE {column} IS NOT NULL" in definition.replace("(", "").replace(")", "")


@pytest.fixture
def statements(archive: Archive) -> Iterator[list[tuple[str, Any]]]:
    """Every statement SQLite runs while the test runs, with its values written in.

    Taken from sqlite3's trace callback, not SQLAlchemy's events: the read queries also run on
    the session's sqlite3 connection directly (storage/reading.py).
    """
    sent: list[tuple[str, Any]] = []

    def trace(connection: Any, _record: Any, *_: Any) -> None:
        connection.set_trace_callback(lambda statement: sent.append((statement, ())))

    def untrace(connection: Any, _record: Any, *_: Any) -> None:
        connection.set_trace_callback(None)

    event.listen(archive.engine.pool, "checkout", trace)
    event.listen(archive.engine.pool, "checkin", untrace)
    yield sent
    event.remove(archive.engine.pool, "checkout", trace)
    event.remove(archive.engine.pool, "checkin", untrace)


def _plans(archive: Archive, sent: list[tuple[str, Any]]) -> list[str]:
    """The query plan SQLite makes of each statement that reads captures."""
    plans = []
    with archive.engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        assert driver is not None
        for statement, parameters in list(sent):  # its own EXPLAINs are traced too
            reads = statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE"))
            if reads and "captures" in statement:
                rows = driver.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
                plans.append("\n".join(str(row[3]) for row in rows))
    return plans


def _warc(archive: Archive) -> None:
    with archive.read() as session:
        write_warc(session, io.BytesIO())


def _origins(archive: Archive) -> None:
    with archive.read() as session:
        archive_origins(session, [1, 2])


def _reextract(archive: Archive) -> None:
    with archive.read() as session:
        reextract_candidates(session)


def _recount(archive: Archive) -> None:
    with archive.engine.begin() as connection:
        recount_sites(connection)


def _mementos(archive: Archive) -> None:
    with archive.read() as session:
        recorded_mementos(session, ["https://web.archive.org/web/2024id_/" + URL])


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's plans (PostgreSQL plans by statistics)")
@pytest.mark.parametrize(
    ("reader", "index"),
    [
        (_origins, "ix_captures_version_id"),
        (_mementos, "ix_captures_memento_url"),
        (_warc, "ix_captures_version_id"),  # the body an unchanged fetch confirmed
        (_warc, "ix_captures_raw_body_sha256"),  # the first capture of each body
        (_reextract, "ix_captures_raw_body_sha256"),  # the latest kept body of each article
        (_recount, "ix_captures_errors"),  # errors per site and reason (migration 0019)
    ],
    ids=[
        "provenance",
        "backfill rerun",
        "warc: confirmed body",
        "warc: first of a body",
        "reextract candidates",
        "recount: errors",
    ],
)
def test_each_reader_finds_its_rows_through_the_partial_index(
    archive: Archive,
    statements: list[tuple[str, Any]],
    reader: Callable[[Archive], None],
    index: str,
) -> None:
    _capture_twice(archive)
    statements.clear()
    reader(archive)
    plans = _plans(archive, statements)
    assert plans, "the reader sent no query on captures"
    assert any(index in plan for plan in plans), plans
