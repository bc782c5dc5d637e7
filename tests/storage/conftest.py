"""Building small archives for the query tests through the real write path (record_capture)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

# Imported before the CLI: imported later under pytest, trafilatura's optional SOCKS import
# raises urllib3's DependencyWarning as an error (PySocks is not installed).
import crawler.extraction  # noqa: F401
from crawler.cli import main
from storage import Archive, ArticleContent, CaptureResult, FetchedPage, record_capture
from tests.conftest import ON_POSTGRES

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
FILLER = (
    "Officials gave few details on Tuesday about the investigation, which began last week. "
    "Residents said the neighbourhood had been quiet for years before the events.\n"
)

Capture = Callable[..., CaptureResult]


def html_page(title: str, text: str) -> bytes:
    paragraphs = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>\n"
        f"{paragraphs}</article></body></html>"
    ).encode()


def index_definitions(archive: Archive, table: str) -> dict[str, str]:
    """Each index of ``table`` by name, with its SQL (SQLite) or definition (PostgreSQL)."""
    query = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :table"
        if ON_POSTGRES
        else "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table"
    )
    with archive.read() as session:
        rows = session.execute(text(query), {"table": table}).all()
        return {str(name): str(sql) for name, sql in rows}


@pytest.fixture
def capture(archive: Archive) -> Capture:
    """capture(url, title, text, at=T0, body=None, headers=None, keep=False, body_source="html")."""

    def record(
        url: str,
        title: str,
        text: str,
        at: datetime = T0,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        keep_unchanged_body: bool = False,
        extractor_version: str = "test/1",
        body_source: str = "html",
    ) -> CaptureResult:
        page = FetchedPage(
            requested_url=url,
            final_url=url,
            fetched_at=at,
            http_status=200,
            headers=headers or {"content-type": "text/html; charset=utf-8"},
            body=body if body is not None else html_page(title, text),
        )
        content = ArticleContent(
            text=text,
            title=title,
            authors=("Ann Writer",),
            extractor="test",
            extractor_version=extractor_version,
            body_source=body_source,
        )
        return archive.run_write(
            lambda s: record_capture(s, page, content, keep_unchanged_body=keep_unchanged_body)
        )

    return record


@pytest.fixture
def cli(db_url: str) -> Callable[..., Result]:
    """Run `newsarchive --db <the test archive> ARGS...`; stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str | Path, input: str | None = None) -> Result:
        return runner.invoke(main, ["--db", db_url, *map(str, args)], input=input)

    return invoke
