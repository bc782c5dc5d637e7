"""App shells: detected as needing JavaScript, or their article recovered from the page's data."""

from __future__ import annotations

import json

import pytest

from crawler.extraction import ExtractionError, extract_article
from crawler.extraction.errors import NeedsJavaScript

from .javascript_pages import (
    SHELLS,
    Story,
    amp_linked_shell,
    amp_page,
    fetch_api_shell,
    next_app_shell,
    next_pages_shell,
    ordinary_page,
    state_blob_shell,
)

URL = "http://127.0.0.1/news/bridge"
RECOVERED = [(path, shape, source) for path, (shape, source) in SHELLS.items() if source]


@pytest.mark.parametrize(("path", "shape", "source"), RECOVERED)
def test_the_story_is_recovered_with_its_source(path: str, shape: object, source: str) -> None:
    story = Story()
    content = extract_article(shape(story).encode(), URL + path)  # type: ignore[operator]
    assert content.text == story.text
    assert content.body_source == source
    assert content.title == story.headline
    assert content.authors == (story.author,)


@pytest.mark.parametrize("shape", [next_pages_shell, next_app_shell, state_blob_shell])
def test_dates_come_from_the_storys_object(shape: object) -> None:
    content = extract_article(shape(Story()).encode(), URL)  # type: ignore[operator]
    assert content.published_at is not None
    assert content.published_at.isoformat() == Story().published


def test_a_page_filled_by_fetch_needs_javascript_with_a_hint() -> None:
    with pytest.raises(NeedsJavaScript) as raised:
        extract_article(fetch_api_shell(Story()).encode(), URL)
    assert raised.value.reason == "needs_javascript"
    assert "empty #root" in raised.value.message
    assert "docs/javascript-pages.md" in raised.value.message
    assert "\n" not in raised.value.message
    assert raised.value.amp_url is None


def test_a_shell_names_its_amp_version_and_the_amp_page_is_an_article() -> None:
    with pytest.raises(NeedsJavaScript) as raised:
        extract_article(amp_linked_shell(Story()).encode(), URL)
    assert raised.value.amp_url == "http://127.0.0.1/amp/story.html"
    amp = extract_article(amp_page(Story(), URL).encode(), "http://127.0.0.1/amp/story.html")
    assert amp.text == Story().text
    assert amp.canonical_url == URL


def test_needs_javascript_survives_the_worker_process_boundary() -> None:
    import pickle

    error = NeedsJavaScript("an app shell", "http://127.0.0.1/amp")
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, NeedsJavaScript)
    assert copy.amp_url == "http://127.0.0.1/amp"
    assert isinstance(copy, ExtractionError)
    assert copy.reason == "needs_javascript"


def test_an_ordinary_page_with_a_mount_point_and_a_noscript_stays_html() -> None:
    content = extract_article(ordinary_page(Story()).encode(), URL)
    assert content.body_source == "html"
    assert content.text == Story().text


def test_a_loading_page_without_data_is_not_an_article() -> None:
    page = (
        "<html><head><title>Daily Planet</title></head><body><header>Daily Planet</header>"
        "<main><p>Loading…</p></main><script src='/app.js'></script></body></html>"
    )
    with pytest.raises(NeedsJavaScript):
        extract_article(page.encode(), URL)


def test_an_edit_in_the_embedded_data_changes_the_text_and_nothing_else_does() -> None:
    story = Story()
    first = extract_article(next_pages_shell(story).encode(), URL)
    again = extract_article(next_pages_shell(story).encode(), URL)
    edited = extract_article(next_pages_shell(story.edited()).encode(), URL)
    assert first.text == again.text
    assert edited.text == story.edited().text != first.text


def test_a_short_html_text_next_to_far_more_embedded_prose_takes_the_embedded_body() -> None:
    """A teaser in the HTML, the whole story in JSON-LD: the story is what is archived."""
    story = Story()
    page = ordinary_page(Story(paragraphs=story.paragraphs[:1])).replace(
        "</head>",
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H",'
        f' "articleBody": "{" ".join(story.paragraphs * 2)}"}}</script></head>',
    )
    content = extract_article(page.encode(), URL)
    assert story.paragraphs[-1] in content.text


def test_a_shell_whose_data_holds_only_related_headlines_is_not_given_them_as_a_body() -> None:
    related = [
        {"title": f"Council votes on the new harbour budget plan number {n}"} for n in range(9)
    ]
    data = json.dumps({"props": {"pageProps": {"related": related, "title": "Bridge"}}})
    page = (
        "<html><head><title>Daily Planet</title></head><body><div id='__next'></div>"
        f"<script id='__NEXT_DATA__' type='application/json'>{data}</script></body></html>"
    )
    with pytest.raises(NeedsJavaScript):
        extract_article(page.encode(), URL)
