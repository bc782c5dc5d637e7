"""Feeds, sitemaps and links: every format a publisher offers, read into article URLs."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from crawler.discovery.classify import article_reason, classify_url, is_article_page
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.links import advertised_feeds, page_links, robots_sitemaps
from crawler.discovery.sitemaps import SitemapError, parse_sitemap

BASE = "https://news.example/"

RSS2 = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>/a/one-story-here.html</link>
<pubDate>Tue, 24 Nov 2026 18:53:26 GMT</pubDate></item>
<item><title>No date</title><link>https://news.example/b/two-story-here.html</link></item>
</channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example/"><title>t</title><link>https://news.example/</link></channel>
<item rdf:about="https://news.example/c/three.html"><title>Three</title>
<link>https://news.example/c/three.html</link><dc:date>2026-11-20T10:00:00Z</dc:date></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>t</title><id>x</id><updated>2026-11-24T00:00:00Z</updated>
<entry><title>Four</title><id>4</id><link rel="alternate" href="https://news.example/d/four.html"/>
<published>2026-11-21T08:30:00+01:00</published><updated>2026-11-22T00:00:00Z</updated></entry>
</feed>"""


def test_rss2_entries_resolve_relative_links_and_dates() -> None:
    entries = parse_feed(RSS2, BASE + "rss.xml").entries
    assert [e.url for e in entries] == [
        "https://news.example/a/one-story-here.html",
        "https://news.example/b/two-story-here.html",
    ]
    assert entries[0].published_at == datetime(2026, 11, 24, 18, 53, 26, tzinfo=UTC)
    assert entries[1].published_at is None


def test_rss1_and_atom() -> None:
    (rdf,) = parse_feed(RSS1, BASE).entries
    assert rdf.url == "https://news.example/c/three.html"
    assert rdf.published_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    (atom,) = parse_feed(ATOM, BASE).entries
    assert atom.published_at == datetime(2026, 11, 21, 7, 30, tzinfo=UTC)


def test_json_feed() -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "1", "url": "/e/five.html", "date_published": "2026-11-23T12:00:00Z"},
            {"id": "2", "external_url": "https://news.example/f/six.html"},
            {"id": "3"},
        ],
    }
    entries = parse_feed(json.dumps(document).encode(), BASE + "feed.json").entries
    assert [e.url for e in entries] == [
        "https://news.example/e/five.html",
        "https://news.example/f/six.html",
    ]


@pytest.mark.parametrize("body", [b"<html><body>not a feed</body></html>", b"{oops", b""])
def test_unreadable_feeds_raise_a_feed_error(body: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(body, BASE)


INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-1.xml.gz</loc><lastmod>2026-11-24</lastmod></sitemap>
</sitemapindex>"""

NEWS = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
 xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/g/seven.html</loc>
<news:news><news:publication><news:name>N</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2026-11-24T09:00:00Z</news:publication_date><news:title>Seven</news:title></news:news>
</url></urlset>"""


def test_sitemap_index_gzip_and_news() -> None:
    (child,) = parse_sitemap(INDEX, BASE + "sitemap.xml").entries
    assert (child.kind, child.url) == ("sitemap", "https://news.example/sitemap-1.xml.gz")
    (news,) = parse_sitemap(gzip.compress(NEWS), BASE + "sitemap-1.xml.gz").entries
    assert news.is_news
    assert news.kind == "article"
    assert news.published_at == datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_sitemap_with_an_entity_is_not_expanded() -> None:
    hostile = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://news.example/&e;</loc></url></urlset>"
    )
    for entry in parse_sitemap(hostile, BASE).entries:
        assert "root:" not in entry.url


@pytest.mark.parametrize("body", [b"<html/>", b"\x1f\x8bbroken", b"not xml at all"])
def test_unreadable_sitemaps_raise_a_sitemap_error(body: bytes) -> None:
    with pytest.raises(SitemapError):
        parse_sitemap(body, BASE)


def test_links_stay_on_site_and_are_capped() -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>'
        b'<body><a href="/a/x-y-z.html#top">1</a><a href="https://www.news.example/b">2</a>'
        b'<a href="https://elsewhere.example/c">3</a><a href="mailto:x@y">4</a>'
        b'<a href="javascript:alert(1)">5</a><a href="/d">6</a><a href="/e">7</a></body></html>'
    )
    assert page_links(page, BASE, limit=3) == [
        "https://news.example/a/x-y-z.html",
        "https://www.news.example/b",
        "https://news.example/d",
    ]
    assert advertised_feeds(page, BASE) == ["https://news.example/rss.xml"]
    robots = b"User-agent: *\nDisallow: /private/\nSitemap: https://news.example/sitemap.xml\n"
    assert robots_sitemaps(robots, BASE) == ["https://news.example/sitemap.xml"]


@pytest.mark.parametrize(
    ("url", "kind", "reason"),
    [
        (
            "https://n.example/world/2026/11/officials-say-two-fighters-escaped.html",
            "article",
            "article_url",
        ),
        ("https://n.example/story/4471234", "article", "article_url"),
        ("https://n.example/tag/politics/", "page", "navigation"),
        ("https://n.example/author/jane-doe/", "page", "navigation"),
        ("https://n.example/world/?page=3", "page", "navigation"),
        ("https://n.example/world/", "page", "section_or_front"),
        ("https://n.example/calendar/2026/11/", "skip", "calendar_trap"),
        ("https://n.example/a/b/a/b/a/b/", "skip", "repeated_path_segments"),
        ("https://n.example/world/?sessionid=123", "skip", "session_or_calendar_parameter"),
        ("https://n.example/photos/big.jpg", "skip", "media_file"),
    ],
)
def test_url_classification(url: str, kind: str, reason: str) -> None:
    verdict = classify_url(url)
    assert (verdict.kind, verdict.reason) == (kind, reason)


def test_a_page_must_declare_itself_or_be_long_to_count_as_an_article() -> None:
    assert is_article_page("article", "short")
    assert is_article_page("NewsArticle", "short")
    assert not is_article_page("website", "x" * 5000)
    assert not is_article_page(None, "x" * 200)
    assert is_article_page(None, "x" * 2000)


@pytest.mark.parametrize(
    ("page_type", "text", "source", "reason"),
    [
        ("NewsArticle", "short", "sitemap_url", "declared:NewsArticle"),
        ("article", "short", "link", "declared:article"),
        ("website", "x" * 5000, "sitemap_url", None),
        (None, "x" * 2000, "sitemap_url", "body_length"),
        (None, "short", "sitemap_url", None),
        ("website", "short", "sitemap", "news_sitemap"),  # a Google News entry
        (None, "short", "feed", "feed_entry"),
    ],
)
def test_the_page_or_its_declaring_source_says_why_it_is_an_article(
    page_type: str | None, text: str, source: str, reason: str | None
) -> None:
    assert article_reason(page_type, text, source) == reason
