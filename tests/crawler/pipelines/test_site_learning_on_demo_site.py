"""Site learning on the demo news site: it learns the furniture, never article text."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest

from crawler.extraction import parse_html
from crawler.extraction.body import extract_body
from crawler.extraction.metadata import extract_metadata
from demosite.site import NewsSite
from storage import Archive, ArticleContent, FetchedPage, record_capture
from storage.boilerplate import learn_site_boilerplate

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8000"


@pytest.mark.parametrize("cleanup", [False, True])
def test_learns_only_furniture(archive: Archive, cleanup: bool) -> None:
    site = NewsSite(articles=20, seed=1, host_label="Example Gazette", now=NOW)
    texts = []
    for path in site.article_paths():
        response = site.render(path, BASE)
        tree = parse_html(response.body, response.content_type)
        url = BASE + path
        text = extract_body(tree, url, extract_metadata(tree, url).title, cleanup=cleanup)
        texts.append(text)
        fetched = FetchedPage(url, url, NOW, 200, {"content-type": "text/html"}, response.body)
        archive.run_write(partial(record_capture, page=fetched, content=ArticleContent(text)))
    learned = archive.run_write(lambda s: learn_site_boilerplate(s, "127.0.0.1"))
    article_text = {p for a in site.current_articles() for p in a.paragraphs}
    assert not {p.paragraph for p in learned} & article_text
    if cleanup:
        assert learned == []  # the curated rules already removed the banner and prompts
    else:
        learned_texts = [p.paragraph for p in learned]
        assert any("not supported" in t for t in learned_texts), learned_texts
        assert all(p.article_count >= 5 for p in learned)
