"""HTML pages: article with timeline, diff views, search, sites; hostile text stays text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from starlette.testclient import TestClient

from tests.web.conftest import Sample

ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "frame", "base", "style"}


class ElementAudit(HTMLParser):
    """Every element and attribute the browser would build from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def assert_no_live_payload(html: str) -> None:
    """The page builds no script, image, frame or handler; the payloads are only text."""
    audit = ElementAudit()
    audit.feed(html)
    assert not audit.tags & ACTIVE_TAGS, audit.tags & ACTIVE_TAGS
    for name, value in audit.attributes:
        assert not name.startswith("on"), name
        assert not value.strip().lower().startswith("javascript:"), (name, value)
    assert "&lt;script&gt;" in html


def test_article_page_shows_latest_version_escaped(client: TestClient, sample: Sample) -> None:
    response = client.get("/article", params={"url": sample.story})
    assert response.status_code == 200
    html = response.text
    assert_no_live_payload(html)
    assert "Budget deal &lt;script&gt;document.title=" in html
    assert "v4 of 4" in html
    assert "Bob Reporter" in html
    # The javascript: top image is shown as text, never as a link.
    assert "javascript:document.title" in html
    assert not re.search(r'href="\s*javascript', html, re.IGNORECASE)


def test_article_page_names_the_extractor_once(client: TestClient, sample: Sample) -> None:
    html = client.get("/article", params={"url": sample.story}).text
    assert "<dt>Extractor</dt><dd>test/1</dd>" in html


def test_article_page_links_the_lead_image_without_loading_it(
    client: TestClient, sample: Sample
) -> None:
    html = client.get("/article", params={"url": sample.bridge}).text
    link = re.search(r'<a class="lead-image" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link is not None, html
    assert link.group(1) == "https://news.example/img/bridge.jpg"
    assert "lead image" in link.group(2)
    assert "<img" not in html


def test_timeline_marks_fields_sizes_and_flipflops(client: TestClient, sample: Sample) -> None:
    html = client.get("/article", params={"url": sample.story}).text
    timeline = html.split('class="timeline"', 1)[1]
    assert timeline.count("<tr class=") == 4
    assert "flip-flop: back to v1" in timeline
    assert "field-headline" in timeline
    assert "field-body" in timeline
    assert "field-byline" in timeline
    assert "Correction: An earlier version misstated" in timeline
    assert re.search(r'class="added">\+\d+</span> / <span class="removed">−\d+', timeline)
    assert "first version" in timeline


def test_past_version_page(client: TestClient, sample: Sample) -> None:
    html = client.get("/article", params={"url": sample.story, "v": 2}).text
    assert "Archived version" in html
    assert "v2 of 4" in html
    assert "Budget deal agreed after all-night talks" in html
    assert "See the current version" in html


def test_diff_inline_and_side_by_side(client: TestClient, sample: Sample) -> None:
    inline = client.get("/diff", params={"url": sample.story, "from": 1, "to": 2}).text
    assert "<del>late</del>" in inline or "<del>late on Tuesday night</del>" in inline
    assert "<ins>" in inline
    assert "Wednesday" in inline
    assert_no_live_payload(inline)
    side = client.get(
        "/diff", params={"url": sample.story, "from": 1, "to": 2, "view": "side"}
    ).text
    old, new = side.split('class="new"', 1)
    assert "<ins>" not in old.split('class="old"', 1)[1]
    assert "<del>" not in new
    assert_no_live_payload(side)


def test_diff_defaults_to_the_last_two_versions(client: TestClient, sample: Sample) -> None:
    html = client.get("/diff", params={"url": sample.story}).text
    assert "v3" in html
    assert "v4" in html
    assert "<del>Ann " in html  # the byline lost its first author


def test_diff_of_single_version_article_is_a_clear_400(client: TestClient, sample: Sample) -> None:
    response = client.get("/diff", params={"url": sample.bridge})
    assert response.status_code == 400
    assert "no version before v1" in response.text


def test_search_page_highlights_matches_safely(client: TestClient, sample: Sample) -> None:
    html = client.get("/search", params={"q": "opposition"}).text
    assert "<mark>opposition</mark>" in html
    assert_no_live_payload(html)
    filtered = client.get("/search", params={"q": "vote", "site": "other.example"}).text
    assert "other.example" in filtered
    assert "news.example/world" not in filtered


def test_search_page_pages(client: TestClient, sample: Sample) -> None:
    first = client.get("/search", params={"q": "the", "per_page": 1}).text
    assert 'rel="next"' in first
    second = client.get("/search", params={"q": "the", "per_page": 1, "page": 2}).text
    assert 'rel="prev"' in second


def test_site_page_shows_errors_by_reason_and_runs(client: TestClient, sample: Sample) -> None:
    html = client.get("/sites/news.example").text
    errors = html.split("Errors by reason", 1)[1].split("</table>", 1)[0]
    assert "http_404" in errors
    assert "timeout" in errors
    assert "#1" in html
    assert "crawl" in html
    assert "finished" in html
    assert "Harbour bridge reopens" in html
    assert_no_live_payload(html)


def test_sites_and_changes_pages(client: TestClient, sample: Sample) -> None:
    assert "other.example" in client.get("/sites").text
    changes = client.get("/changes").text
    assert changes.count('class="badge">v') == 4  # three story edits, one vote edit
    assert "flip-flop" in changes


def test_unknown_article_is_404_page(client: TestClient) -> None:
    response = client.get("/article", params={"url": "https://nowhere.example/x"})
    assert response.status_code == 404
    assert "no archived article" in response.text
    assert client.get("/no/such/page").status_code == 404


def test_pages_answer_head(client: TestClient, sample: Sample) -> None:
    response = client.head("/article", params={"url": sample.story})
    assert response.status_code == 200
    assert response.content == b""
