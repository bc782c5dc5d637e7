"""The one bound on a search (storage/search/bounds.py): length, terms and time, everywhere."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from starlette.testclient import TestClient

from storage import Archive, CaptureResult
from storage.search import (
    MAX_QUERY_TERMS,
    InvalidQuery,
    SearchTooSlow,
    count_matches,
    search,
)
from web import create_app

Capture = Callable[..., CaptureResult]
HUGE_OR = " OR ".join(f"word{n}" for n in range(2_000))


@pytest.fixture
def some(capture: Capture) -> None:
    for n in range(40):
        capture(f"https://news.example/{n}", f"Story {n}", f"The council said {n} things.\n" * 30)


def test_queries_past_the_bounds_are_refused_at_once(archive: Archive) -> None:
    with archive.read() as s:
        started = time.monotonic()
        with pytest.raises(InvalidQuery, match=r"too long: 22886 characters \(at most 500\)"):
            search(s, HUGE_OR)
        with pytest.raises(InvalidQuery, match=r"too many terms: 65 \(at most 64\)"):
            count_matches(s, " ".join(f"w{n}" for n in range(MAX_QUERY_TERMS + 1)))
        assert time.monotonic() - started < 1
        # At the bound, the query runs.
        assert search(s, " OR ".join(f"w{n}" for n in range(MAX_QUERY_TERMS))) == []


@pytest.mark.usefixtures("some")
def test_a_search_past_the_time_limit_is_interrupted(archive: Archive) -> None:
    with archive.read() as s:
        with pytest.raises(SearchTooSlow, match=r"search stopped after 1e-06 s \(the time limit\)"):
            search(s, "said OR council OR thing* OR story", all_versions=True, time_limit=1e-6)
        # The session is still usable, without the limit, afterwards.
        assert len(search(s, "council", limit=100)) == 40


def test_cli_refuses_a_2000_term_query_in_one_line(
    cli: Callable[..., Result], archive: Archive
) -> None:
    started = time.monotonic()
    result = cli("search", HUGE_OR)
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "search query too long: 22886 characters (at most 500)" in result.stderr


def test_whole_cli_process_refuses_it_quickly(
    db_url: str, archive: Archive, tmp_path: Path
) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "--db", db_url, "search", HUGE_OR],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 30
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        "newsarchive: error: search query too long: 22886 characters (at most 500)"
    )


def test_api_and_web_refuse_it_with_the_same_message(archive: Archive) -> None:
    client = TestClient(create_app(archive), base_url="http://127.0.0.1:8000")
    query = " OR ".join(f"w{n}" for n in range(MAX_QUERY_TERMS + 1))
    api = client.get("/api/search", params={"q": query})
    assert api.status_code == 400
    assert "too many terms: 65 (at most 64)" in api.json()["error"]["message"]
    page = client.get("/search", params={"q": query})
    assert page.status_code == 400
    assert "too many terms: 65 (at most 64)" in page.text
