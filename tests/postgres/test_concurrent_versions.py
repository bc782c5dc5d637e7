"""Many writers on one PostgreSQL at once: version numbers stay 1..n, without gaps or duplicates."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storage import ArticleContent, FetchedPage, history, open_archive, record_capture
from storage.models import Capture, Version

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
URL = "https://news.example/world/2026/11/story.html"
BODY = "CITY, Country — First paragraph of the story.\nSecond paragraph of the story.\n" * 10
WRITERS = 8

pytestmark = pytest.mark.postgres_only


def page(at: datetime) -> FetchedPage:
    return FetchedPage(
        requested_url=URL,
        final_url=URL,
        fetched_at=at,
        http_status=200,
        headers={"content-type": "text/html"},
        body=f"<html>{at.isoformat()}</html>".encode(),
    )


def content(n: int) -> ArticleContent:
    return replace(ArticleContent(text=BODY + f"Update {n}.\n", title=f"Headline {n}"))


def run_together(work: Callable[[int], str], count: int = WRITERS) -> list[str]:
    """Run ``work(i)`` in ``count`` threads, each with its own connection, released at once."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            outcomes.append(work(i))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return outcomes


def test_concurrent_edits_are_numbered_without_gaps(db_url: str) -> None:
    with open_archive(db_url) as archive:
        archive.run_write(lambda s: record_capture(s, page(T0), content(0)))
        assert archive.dialect == "postgresql"

        def edit(i: int) -> str:
            at = T0 + timedelta(minutes=i + 1)
            return archive.run_write(lambda s: record_capture(s, page(at), content(i + 1))).status

        outcomes = run_together(edit)
        with archive.read() as session:
            numbers = [v.version for v in history(session, URL)]
            captures = session.scalar(select(func.count()).select_from(Capture))
    assert outcomes == ["changed"] * WRITERS
    assert numbers == list(range(1, WRITERS + 2))
    assert captures == WRITERS + 1


def test_the_same_content_from_many_writers_is_one_version(db_url: str) -> None:
    with open_archive(db_url) as archive:
        outcomes = run_together(
            lambda i: archive.run_write(lambda s: record_capture(s, page(T0), content(0))).status
        )
        with archive.read() as session:
            versions = session.scalar(select(func.count()).select_from(Version))
    assert sorted(outcomes) == ["new"] + ["unchanged"] * (WRITERS - 1)
    assert versions == 1
