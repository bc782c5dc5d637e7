"""Versions first seen in a web archive are marked as such in the web UI, feeds and TimeMaps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from starlette.testclient import TestClient

from storage import Archive, FetchedPage, open_archive, record_capture
from storage.backfill import ArchivedCapture, record_backfilled_capture
from tests.web.conftest import fetched, plain_content
from web import create_app
from web.views import path_with

URL = "https://news.example/2026/11/budget.html"
ARCHIVE = "http://archive.test/cdx/search/cdx"
T0 = datetime(2026, 11, 20, 10, tzinfo=UTC)
FILLER = "The council met on Tuesday to discuss the new budget for schools.\n" * 4
OLD = T0 - timedelta(days=7)
MEMENTO = f"http://archive.test/web/{OLD:%Y%m%d%H%M%S}id_/{URL}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with open_archive(f"sqlite:///{tmp_path / 'marks.db'}") as archive:
        _fill(archive)
        app = create_app(archive)
        with TestClient(app, base_url="http://127.0.0.1:8000") as test_client:
            yield test_client


def _fill(archive: Archive) -> None:
    """v1 from a web archive a week before our own first fetch (v2), then our own edit (v3)."""
    for at, text in ((T0, "Our text."), (T0 + timedelta(days=1), "Edited text.")):
        page, content = fetched(URL, at), plain_content("Budget", FILLER + text)
        archive.run_write(partial(record_capture, page=page, content=content))
    page = FetchedPage(URL, URL, OLD, 200, {"content-type": "text/html"}, b"<html>old</html>")
    capture = ArchivedCapture(page, ARCHIVE, MEMENTO)
    content = plain_content("Budget", FILLER + "Last week's text.")
    archive.run_write(lambda s: record_backfilled_capture(s, capture, content))


def test_article_page_says_where_a_backfilled_version_comes_from(client: TestClient) -> None:
    page = client.get(path_with("/article", url=URL, v=1)).text
    assert "Backfilled from the web archive archive.test" in page
    assert f'href="{MEMENTO}"' in page
    assert page.count("from web archive archive.test") == 1  # one row of the timeline
    assert "Backfilled from" not in client.get(path_with("/article", url=URL, v=2)).text


def test_feeds_mark_backfilled_changes_and_link_the_archived_capture(client: TestClient) -> None:
    # v2 (our own fetch) is now a change against the backfilled v1; v1 is no change entry.
    feed = ET.fromstring(client.get(path_with("/feeds/article.atom", url=URL)).content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        assert not entry.findall(f"{ATOM}link[@rel='via']")
    summaries = [entry.findtext(f"{ATOM}summary") or "" for entry in entries]
    assert not any("backfilled" in summary for summary in summaries)


def test_a_backfilled_change_is_marked_in_the_feed(tmp_path: Path) -> None:
    with open_archive(f"sqlite:///{tmp_path / 'feed.db'}") as archive:
        archive.run_write(
            lambda s: record_capture(s, fetched(URL, T0), plain_content("B", FILLER + "Now."))
        )
        for days, text in ((-14, "First."), (-7, "Second.")):
            at = T0 + timedelta(days=days)
            page = FetchedPage(URL, URL, at, 200, {"content-type": "text/html"}, b"<html/>")
            capture = ArchivedCapture(page, ARCHIVE, f"http://archive.test/web/{days}/{URL}")
            content = plain_content("B", FILLER + text)
            archive.run_write(partial(record_backfilled_capture, capture=capture, content=content))
        with TestClient(create_app(archive), base_url="http://127.0.0.1:8000") as client:
            body = client.get("/feeds/changes.atom").content
    entries = ET.fromstring(body).findall(f"{ATOM}entry")
    backfilled = [e for e in entries if "(v2)" in (e.findtext(f"{ATOM}title") or "")]
    (entry,) = backfilled
    assert (entry.findtext(f"{ATOM}summary") or "").startswith(
        "news.example: backfilled from archive.test"
    )
    (via,) = entry.findall(f"{ATOM}link[@rel='via']")
    assert via.get("href") == f"http://archive.test/web/-7/{URL}"


def test_timemaps_mark_backfilled_mementos(client: TestClient) -> None:
    link = client.get(f"/timemap/link/{URL}").text
    mementos = [line for line in link.splitlines() if 'memento"' in line]
    assert len(mementos) == 3
    assert 'backfilled-from="http://archive.test/cdx/search/cdx"' in mementos[0]
    assert f'archived-memento="{MEMENTO}"' in mementos[0]
    assert not any("backfilled-from" in line for line in mementos[1:])
    listed = json.loads(client.get(f"/timemap/json/{URL}").text)["mementos"]["list"]
    assert listed[0]["backfilled_from"] == ARCHIVE
    assert listed[0]["archived_memento"] == MEMENTO
    assert "backfilled_from" not in listed[1]


def test_the_api_says_where_a_version_was_first_seen(client: TestClient) -> None:
    record = client.get("/api/article", params={"url": URL, "v": 1}).json()
    assert (record["archive"], record["memento_url"]) == (ARCHIVE, MEMENTO)
    versions = client.get("/api/article/versions", params={"url": URL}).json()["items"]
    assert [v["archive"] for v in versions] == [ARCHIVE, None, None]
