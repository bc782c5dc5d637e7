"""`migrate-db`: an archive copied to another backend loses nothing and keeps working there."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import ArticleContent, FetchedPage, history, open_archive, record_capture
from storage.frontier import FrontierURL, add_to_frontier
from storage.search import search

from ..conftest import ON_POSTGRES, PostgresServer

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
FILLER = "Officials gave few details on Tuesday about the investigation, which began last week.\n"


def capture(db_url: str, url: str, title: str, text: str, at: datetime) -> None:
    page = FetchedPage(
        requested_url=url,
        final_url=url,
        fetched_at=at,
        http_status=200,
        headers={"content-type": "text/html", "etag": f'"{at.timestamp()}"'},
        body=f"<html><h1>{title}</h1><p>{text}</p></html>".encode(),
    )
    content = ArticleContent(text=text, title=title, authors=("Ann Writer", "Bo Li"))
    with open_archive(db_url) as archive:
        archive.run_write(lambda s: record_capture(s, page, content))


@pytest.fixture
def source(tmp_path: Path) -> str:
    """A SQLite archive with versions, an edit, raw bodies and frontier rows."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    for n in range(30):
        capture(url, f"https://news.example/a/{n}", f"Story {n}", f"Harbour {n}.\n" + FILLER, T0)
    capture(
        url,
        "https://news.example/a/1",
        "Story 1, updated",
        "Harbour closed.\n" + FILLER,
        T0 + timedelta(hours=2),
    )
    with open_archive(url) as archive:
        archive.run_write(
            lambda s: add_to_frontier(
                s,
                [FrontierURL("https://news.example/feed.xml", "feed", "seed")],
                now=T0,
                scope="news",
            )
        )
    return url


@pytest.fixture
def empty_target(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of the backend under test (nothing migrated yet)."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'new.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"newsarchive_target_{uuid.uuid4().hex[:12]}"
    yield server.create(name)
    server.drop(name)


def migrate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "migrate-db", *args],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=300,
        check=False,
    )


def test_copy_to_another_backend_is_identical_and_keeps_working(
    source: str, empty_target: str, tmp_path: Path
) -> None:
    done = migrate("--from", source, "--to", empty_target, "--batch-size", "7")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(": identical")
    assert "versions          31           31" in done.stdout
    assert "DIFFERENT" not in done.stdout

    with open_archive(empty_target) as target:
        with target.read() as session:
            assert [v.title for v in history(session, "https://news.example/a/1")] == [
                "Story 1",
                "Story 1, updated",
            ]
            assert [hit.url for hit in search(session, "closed")] == ["https://news.example/a/1"]
        # Ids continue after the copied ones: a new capture does not collide.
        capture(empty_target, "https://news.example/new", "New", "Fresh text.\n" + FILLER, T0)
        with target.read() as session:
            assert history(session, "https://news.example/new")[0].version == 1

    # And back again, into a new SQLite file: still identical, the new article included.
    back = f"sqlite:///{tmp_path / 'back.db'}"
    returned = migrate("--from", empty_target, "--to", back, "--json")
    assert returned.returncode == 0, returned.stderr
    assert '"matches": true' in returned.stdout


def test_a_non_empty_target_is_refused_unless_forced(source: str, empty_target: str) -> None:
    assert migrate("--from", source, "--to", empty_target).returncode == 0
    again = migrate("--from", source, "--to", empty_target)
    assert again.returncode == 1
    assert again.stderr.startswith("newsarchive: error: the target ")
    assert "already holds data" in again.stderr
    assert "--force" in again.stderr
    forced = migrate("--from", source, "--to", empty_target, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.rstrip().endswith(": identical")
