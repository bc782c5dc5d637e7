"""Atom feeds of detected changes; every entry links to its diff."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

from starlette.testclient import TestClient

from tests.web.conftest import Sample

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client: TestClient, path: str, **params: str) -> list[ET.Element]:
    response = client.get(path, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}updated") is not None
    return feed.findall(f"{ATOM}entry")


def test_all_changes_feed_links_each_entry_to_its_diff(client: TestClient, sample: Sample) -> None:
    items = entries(client, "/feeds/changes.atom")
    assert len(items) == 4
    link = items[0].find(f"{ATOM}link[@rel='alternate']")
    assert link is not None
    href = link.get("href", "")
    assert urlsplit(href).path == "/diff"
    query = parse_qs(urlsplit(href).query)
    assert (query["from"], query["to"]) == (["1"], ["2"])
    assert client.get(href).status_code == 200


def test_site_and_article_feeds(client: TestClient, sample: Sample) -> None:
    assert len(entries(client, "/feeds/sites/other.example/changes.atom")) == 1
    story = entries(client, "/feeds/article.atom", url=sample.story)
    assert len(story) == 3
    summaries = [e.findtext(f"{ATOM}summary") or "" for e in story]
    assert any("flip-flop (same as v1)" in s for s in summaries)
    assert any("byline" in s for s in summaries)


def test_feed_text_is_escaped_xml(client: TestClient, sample: Sample) -> None:
    raw = client.get("/feeds/article.atom", params={"url": sample.story}).text
    assert "<script>" not in raw
    assert "&lt;script&gt;" in raw
