"""The writer stores exactly the rows it stored before the statements were cut (issue 18).

A fixed series of pages goes through the crawl writer's path (``record_capture`` then
``finish_capture``, one savepoint each), then every table is dumped and compared with the dump
the code made before its statements were merged (``data/store_rows_<dialect>.json``, written
by that code with ``NEWSARCHIVE_WRITE_STORE_ROWS=1``). Times taken from the clock are masked.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from crawler.pipelines.frontier_updates import finish_capture
from storage import Archive, ArticleContent, FetchedPage, open_archive
from storage.archive import record_capture, record_failure, record_not_modified
from storage.frontier import add_to_frontier
from storage.frontier.discovery import FrontierURL
from storage.models import FrontierEntry
from storage.records import CaptureFailure
from storage.revisits import DEFAULT_REVISIT_POLICY
from storage.urls import canonical_url, url_hash

DATA = Path(__file__).parent / "data"
# Fetched "in the future", so that articles are young and due again (at a time from the clock);
# article A is published long ago, so it is too old to revisit.
T0 = datetime(2099, 3, 1, 8, 0, tzinfo=UTC)
PUBLISHED = datetime(2020, 3, 1, 6, 0, tzinfo=UTC)
LINE = "Officials gave few details on Tuesday about the investigation, which began last week.\n"
HTML = {"content-type": "text/html; charset=utf-8"}


def _page(url: str, at: datetime, body: bytes, **extra: Any) -> FetchedPage:
    headers = extra.pop("headers", HTML)
    return FetchedPage(url, extra.pop("final_url", url), at, 200, headers, body, **extra)


def _content(title: str, lines: int, **extra: Any) -> ArticleContent:
    return ArticleContent(text=LINE * lines + title, title=title, extractor_version="t/1", **extra)


def _frontier_id(session: Session, url: str) -> int:
    add_to_frontier(session, [FrontierURL(url, "article", "feed")], now=T0, scope="news")
    found = session.scalar(
        select(FrontierEntry.id).where(FrontierEntry.url_hash == url_hash(canonical_url(url)))
    )
    assert found is not None
    return int(found)


def _write(session: Session, page: FetchedPage, content: ArticleContent, frontier: bool) -> None:
    frontier_id = _frontier_id(session, page.requested_url) if frontier else None
    with session.begin_nested():
        result = record_capture(session, page, content)
        finish_capture(
            session, result, page, frontier_id, DEFAULT_REVISIT_POLICY, None, "jsonld_article"
        )


def archive_series(archive: Archive) -> None:
    """New, unchanged, changed, moved, failed and 304 pages on two sites; some from the frontier."""
    a, b = "http://news.example/a", "http://news.example/b"
    c = "http://other.example/c"
    published = PUBLISHED
    steps: list[tuple[FetchedPage, ArticleContent, bool]] = [
        (_page(a, T0, b"<p>a1</p>"), _content("A", 3, published_at=published), True),
        (_page(b, T0, b"<p>b1</p>"), _content("B", 4), False),
        (_page(a, T0 + timedelta(minutes=15), b"<p>a1 </p>", headers=HTML | {"etag": '"e1"'}),
         _content("A", 3, published_at=published, site_name="News"), True),
        (_page(a, T0 + timedelta(hours=1), b"<p>a2</p>"),
         _content("A two", 5, published_at=published, modified_at=T0), False),
        (_page(c + "?utm_source=x", T0, b"<p>c1</p>", final_url=c,
               redirect_urls=("http://other.example/old-c",)),
         _content("C", 3, site_name="Other", canonical_url=c), True),
        (_page(b, T0 + timedelta(hours=2), b"<p>b2</p>"), _content("B", 4), True),
        (_page(a, T0 + timedelta(hours=3), b"<p>a3</p>"), _content("A", 3), False),
    ]  # fmt: skip

    def run(session: Session) -> None:
        for page, content, frontier in steps:
            _write(session, page, content, frontier)
        failed = _page(b, T0 + timedelta(hours=4), b"oops")
        failure = CaptureFailure("http_500", "server error")
        with session.begin_nested():
            result = record_failure(session, failed, failure)
            finish_capture(session, result, failed, None, DEFAULT_REVISIT_POLICY, None)
        not_modified = FetchedPage(a, a, T0 + timedelta(hours=5), 304, {"etag": '"e2"'}, b"")
        with session.begin_nested():
            result = record_not_modified(session, not_modified)
            finish_capture(session, result, not_modified, None, DEFAULT_REVISIT_POLICY, None)

    archive.run_write(run)


_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?$")


def _plain(value: Any, started: datetime) -> Any:
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        since = naive - started.replace(tzinfo=None)
        return "<now>" if timedelta(0) <= since < timedelta(days=2) else naive.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v, started) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v, started) for v in value]
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return _plain(datetime.fromisoformat(value), started)
    return value


def dump(url: str, started: datetime) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in key order, with times taken from the clock masked.

    Not the schema's own bookkeeping (``alembic_version``) nor generated columns (PostgreSQL's
    stored search vector): a later migration changes those, not the writer.
    """
    with open_archive(url) as archive, archive.engine.connect() as connection:
        inspector = inspect(connection)
        tables: dict[str, list[dict[str, Any]]] = {}
        for name in sorted(inspector.get_table_names()):
            if name == "alembic_version":
                continue
            found = inspector.get_columns(name)
            columns = [column["name"] for column in found if not column.get("computed")]
            keys = inspector.get_pk_constraint(name)["constrained_columns"] or columns
            order = ", ".join(f'"{key}"' for key in keys)
            listed = ", ".join(f'"{column}"' for column in columns)
            rows = connection.execute(text(f'SELECT {listed} FROM "{name}" ORDER BY {order}'))
            tables[name] = [
                {k: _plain(v, started) for k, v in row._mapping.items()} for row in rows
            ]
        return tables


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_writer_stores_the_same_rows(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if dialect == "postgresql":
        url = str(request.getfixturevalue("postgres_db_url"))
    else:
        url = f"sqlite:///{tmp_path / 'archive.db'}"
    started = datetime.now(UTC) - timedelta(seconds=5)
    with open_archive(url) as archive:
        archive_series(archive)
    rows = dump(url, started)
    expected_file = DATA / f"store_rows_{dialect}.json"
    if os.environ.get("NEWSARCHIVE_WRITE_STORE_ROWS"):
        expected_file.parent.mkdir(exist_ok=True)
        expected_file.write_text(json.dumps(rows, indent=1, sort_keys=True, default=str) + "\n")
    expected = json.loads(expected_file.read_text())
    assert json.loads(json.dumps(rows, sort_keys=True, default=str)) == expected
    assert len(rows["versions"]) == 5
    assert len(rows["captures"]) == 9


def test_the_writer_does_not_read_back_the_date_it_just_recorded(archive: Archive) -> None:
    """The capture's result carries its version's published date to the revisit's schedule."""
    url = "http://news.example/dated"
    page = _page(url, T0, b"<p>dated</p>")
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "versions" in statement:
            reads.append(statement)

    def write(session: Session) -> None:
        frontier_id = _frontier_id(session, url)
        result = record_capture(session, page, _content("D", 3, published_at=PUBLISHED))
        event.listen(archive.engine, "before_cursor_execute", count)
        try:
            finish_capture(session, result, page, frontier_id, DEFAULT_REVISIT_POLICY, None)
        finally:
            event.remove(archive.engine, "before_cursor_execute", count)

    archive.run_write(write)
    assert reads == []
    with archive.read() as session:
        assert session.scalars(select(FrontierEntry.published_at)).one() == PUBLISHED
