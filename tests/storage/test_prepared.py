"""Statements run on the driver's cursor store and read what SQLAlchemy's execution does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import bindparam, event, exc, insert, select
from sqlalchemy.orm import Session

from storage import Archive
from storage.inserts import table_of
from storage.models import Article, Site, Version
from storage.prepared import Prepared

SITES = table_of(Site)
ARTICLES = table_of(Article)
VERSIONS = table_of(Version)
T0 = datetime(2026, 12, 7, 22, 30, 15, 123456, tzinfo=UTC)

_INSERT_SITE = Prepared(insert(SITES).returning(SITES.c.id))
_INSERT_VERSION = Prepared(insert(VERSIONS).returning(VERSIONS.c.id))
_VERSION = Prepared(select(*VERSIONS.c).where(VERSIONS.c.id == bindparam("id")))


def _article(session: Session) -> int:
    site = _INSERT_SITE.scalar(session, {"host": "news.example", "name": None, "created_at": T0})
    row = {
        "url": "https://news.example/a",
        "url_hash": "a" * 64,
        "site_id": site,
        "first_seen_at": T0,
        "version_count": 0,
        "track": True,
    }
    return int(session.execute(insert(ARTICLES).returning(ARTICLES.c.id), row).scalar_one())


def _version(article_id: int, number: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c.key: None for c in VERSIONS.c if c.key != "id"}
    row |= {
        "article_id": article_id,
        "number": number,
        "captured_at": T0,
        "last_confirmed_at": T0 + timedelta(hours=1),
        "text": "Text",
        "authors": [],
        "tags": [],
        "content_hash": "b" * 64,
        "extractor": "newsarchive",
        "extractor_version": "1",
        "origin": "capture",
        "body_source": "html",
    }
    return row | values


VALUES = [
    {},
    {"title": "Tïtle ‘quoted’", "authors": ["Jane Doe", "John Roe"], "tags": ["a", "b"]},
    {"published_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5)))},
    {"paywalled": True, "change": {"changed": ["text"], "earlier": None}},
    {"paywalled": False, "change": None, "description": ""},
]


@pytest.mark.parametrize("values", VALUES)
def test_a_row_written_on_the_cursor_is_the_row_sqlalchemy_writes(
    archive: Archive, values: dict[str, Any]
) -> None:
    def write(session: Session) -> tuple[int, int]:
        article_id = _article(session)
        ours = _INSERT_VERSION.scalar(session, _version(article_id, 1, **values))
        theirs = session.execute(
            insert(VERSIONS).returning(VERSIONS.c.id), _version(article_id, 2, **values)
        ).scalar_one()
        return int(ours), int(theirs)

    ours, theirs = archive.run_write(write)
    with archive.read() as session:
        stored = {row.id: row._asdict() for row in session.execute(select(*VERSIONS.c)).all()}
        read_on_cursor = _VERSION.rows(session, {"id": ours})
    assert dict(zip(VERSIONS.c.keys(), read_on_cursor[0], strict=True)) == stored[ours]
    for row in stored.values():
        del row["id"], row["number"]
    assert stored[ours] == stored[theirs]


def test_a_driver_error_is_sqlalchemys_error_and_listeners_see_the_statement(
    archive: Archive,
) -> None:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    def write(session: Session) -> None:
        row = {"host": "news.example", "name": None, "created_at": T0}
        _INSERT_SITE.scalar(session, row)
        _INSERT_SITE.scalar(session, row)  # the host is unique

    event.listen(archive.engine, "before_cursor_execute", note)
    try:
        with pytest.raises(exc.IntegrityError):
            archive.run_write(write)
    finally:
        event.remove(archive.engine, "before_cursor_execute", note)
    assert len([s for s in seen if s.startswith("INSERT INTO sites")]) == 2
    with archive.read() as session:
        assert session.scalars(select(SITES.c.host)).all() == []


def test_a_statement_the_cursor_cannot_run_goes_through_sqlalchemy(archive: Archive) -> None:
    expanding = Prepared(
        select(SITES.c.host).where(SITES.c.host.in_(bindparam("hosts", expanding=True)))
    )

    def write(session: Session) -> list[tuple[Any, ...]]:
        for host in ("a.example", "b.example", "c.example"):
            _INSERT_SITE.scalar(session, {"host": host, "name": None, "created_at": T0})
        return expanding.rows(session, {"hosts": ["a.example", "c.example"]})

    assert sorted(archive.run_write(write)) == [("a.example",), ("c.example",)]
