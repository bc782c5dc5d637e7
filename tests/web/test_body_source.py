"""Where a version's body came from (docs/javascript-pages.md): the article page and the API."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from starlette.testclient import TestClient

from storage import Archive, record_capture
from storage.queries import get_version
from tests.web.conftest import T0, fetched, plain_content
from web import WebConfig, create_app

URL = "https://news.example/shell.html"
TEXT = "The harbour bridge reopened on Monday after a year of repairs.\n" * 5


def test_a_version_read_from_embedded_data_says_so_and_an_html_one_does_not(
    archive: Archive,
) -> None:
    from_data = replace(plain_content("Bridge", TEXT), body_source="embedded_data")
    archive.run_write(lambda s: record_capture(s, fetched(URL, T0), from_data))
    edited = replace(from_data, text=TEXT + "A new paragraph.", body_source="html")
    archive.run_write(lambda s: record_capture(s, fetched(URL, T0 + timedelta(hours=1)), edited))
    with archive.read() as session:
        assert get_version(session, URL, number=1).body_source == "embedded_data"
    with TestClient(create_app(archive, WebConfig()), base_url="http://127.0.0.1:8000") as client:
        first = client.get("/article", params={"url": URL, "v": 1}).text
        second = client.get("/article", params={"url": URL, "v": 2}).text
        api = client.get("/api/article", params={"url": URL, "v": 1}).json()
    assert "<dt>Body from</dt><dd>embedded_data</dd>" in first
    assert "Body from" not in second
    assert api["body_source"] == "embedded_data"


def test_the_same_text_from_another_source_is_no_new_version(archive: Archive) -> None:
    content = plain_content("Bridge", TEXT)
    archive.run_write(lambda s: record_capture(s, fetched(URL, T0), content))
    again = replace(content, body_source="amp")
    result = archive.run_write(
        lambda s: record_capture(s, fetched(URL, T0 + timedelta(hours=1)), again)
    )
    assert result.status == "unchanged"
