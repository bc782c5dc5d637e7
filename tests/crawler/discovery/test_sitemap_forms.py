"""Every sitemap form a publisher serves, the sitemaps.org limits, and bad entries among good."""

from __future__ import annotations

import gzip
import resource
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.discovery.feeds import parse_feed
from crawler.discovery.links import robots_sitemaps
from crawler.discovery.routing import RoutingRules, route_sitemap
from crawler.discovery.sitemaps import SitemapError, parse_sitemap

BASE = "https://news.example/"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
IMAGE_NS = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'


def urls_of(body: bytes, **limits: int) -> list[str]:
    return [e.url for e in parse_sitemap(body, BASE + "sitemap.xml", **limits).entries]


def test_the_entrys_own_loc_is_taken_even_when_an_image_loc_comes_first() -> None:
    body = (
        f'<?xml version="1.0"?><urlset {NS} {IMAGE_NS}><url>'
        "<image:image><image:loc>https://news.example/img/a.jpg</image:loc></image:image>"
        "<loc>https://news.example/page_12.html</loc></url></urlset>"
    ).encode()
    assert urls_of(body) == ["https://news.example/page_12.html"]


def test_a_stray_sitemap_in_a_urlset_is_not_an_article_and_is_counted() -> None:
    body = (
        f"<urlset {NS}><url><loc>{BASE}a/story-one-here</loc></url>"
        f"<sitemap><loc>{BASE}other-sitemap.xml</loc></sitemap></urlset>"
    ).encode()
    document = parse_sitemap(body, BASE)
    assert [(e.url, e.kind) for e in document.entries] == [(BASE + "a/story-one-here", "article")]
    assert document.skipped == {"stray_sitemap_element": 1}


@pytest.mark.parametrize(
    "body",
    [
        f"<urlset {NS}><url><loc>http://[::1</loc></url><url><loc>{BASE}en/page</loc></url>"
        f"<url><loc>{BASE}2</loc></url></urlset>",
        f"http://[::1\n{BASE}en/page\n\n{BASE}2\n",
    ],
    ids=["xml", "text"],
)
def test_one_malformed_entry_is_skipped_and_counted_the_rest_kept(body: str) -> None:
    document = parse_sitemap(body.encode(), BASE)
    assert [e.url for e in document.entries] == [BASE + "en/page", BASE + "2"]
    assert document.skipped == {"malformed_url": 1}


def test_one_malformed_feed_entry_is_skipped_and_counted_the_rest_kept() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>bad</title><link>http://[::1</link></item>"
        f"<item><title>good</title><link>{BASE}en/page</link></item></channel></rss>"
    ).encode()
    feed = parse_feed(rss, BASE)
    assert [e.url for e in feed.entries] == [BASE + "en/page"]
    # feedparser itself blanks a link it cannot resolve: counted as an entry without a link.
    assert feed.skipped == {"entry_without_link": 1}


def test_rss_and_atom_served_as_sitemaps_list_their_entries_as_articles() -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>a</title><link>{BASE}news/public.html</link>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>"
    ).encode()
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        f'<id>x</id><entry><title>a</title><id>1</id><link href="{BASE}2"/></entry></feed>'
    ).encode()
    rss_doc = parse_sitemap(rss, BASE + "rss.xml")
    assert rss_doc.form == "feed"
    assert [(e.url, e.kind) for e in rss_doc.entries] == [(BASE + "news/public.html", "article")]
    assert rss_doc.entries[0].published_at == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert urls_of(atom) == [BASE + "2"]
    routed = route_sitemap(rss, BASE + "rss.xml", RoutingRules())
    assert [(u.kind, u.source) for u in routed.urls] == [("article", "feed")]


def test_a_text_sitemap_one_url_per_line_gzipped_or_not() -> None:
    text = f"\ufeff{BASE}page_12.html\r\n{BASE}en/page\n".encode()
    assert urls_of(text) == [BASE + "page_12.html", BASE + "en/page"]
    assert urls_of(gzip.compress(text)) == [BASE + "page_12.html", BASE + "en/page"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "<html>"),
        (b"Hello, this is not a list of URLs", "neither XML"),
        (b"", "empty"),
        (b"\x1f\x8b\x08\x00broken", "gzip"),
    ],
)
def test_a_document_that_is_no_sitemap_says_what_it_is(body: bytes, problem: str) -> None:
    with pytest.raises(SitemapError, match=problem):
        parse_sitemap(body, BASE)


def test_the_50000_url_limit_keeps_the_first_and_reports_it() -> None:
    entries = "".join(f"<url><loc>{BASE}a/{i}</loc></url>" for i in range(12))
    document = parse_sitemap(f"<urlset {NS}>{entries}</urlset>".encode(), BASE, max_urls=10)
    assert len(document.entries) == 10
    assert document.limits_hit == ["lists more than 10 URLs: read the first 10"]
    routed = route_sitemap(f"<urlset {NS}>{entries}</urlset>".encode(), BASE, RoutingRules())
    assert len(routed.urls) == 12  # under the real limit: all kept
    assert not routed.warnings


def test_the_uncompressed_size_limit_cuts_a_gzip_bomb_and_reports_it() -> None:
    entries = "".join(f"<url><loc>{BASE}a/{i:06d}</loc></url>" for i in range(20_000))
    body = gzip.compress(f"<urlset {NS}>{entries}</urlset>".encode())
    document = parse_sitemap(body, BASE, max_bytes=100_000)
    assert 0 < len(document.entries) < 20_000
    assert document.limits_hit == ["larger than 100,000 bytes uncompressed: read the first 100,000"]
    assert document.skipped == {"sitemap_size_limit": 1}


def test_nested_indexes_stop_at_the_depth_bound_and_say_so() -> None:
    index = f"<sitemapindex {NS}><sitemap><loc>{BASE}deeper.xml</loc></sitemap></sitemapindex>"
    rules = RoutingRules()
    shallow = route_sitemap(index.encode(), BASE, rules, depth=rules.max_sitemap_depth - 1)
    assert [(u.url, u.depth) for u in shallow.urls] == [(BASE + "deeper.xml", 5)]
    deep = route_sitemap(index.encode(), BASE, rules, depth=rules.max_sitemap_depth)
    assert deep.urls == ()
    assert deep.skipped == {"sitemap_too_deep": 1}
    assert "nested deeper than 5 levels" in deep.warnings[0]


def test_an_index_of_many_indexes_queues_no_more_than_the_page_budget() -> None:
    children = "".join(f"<sitemap><loc>{BASE}s{i}.xml</loc></sitemap>" for i in range(50))
    body = f"<sitemapindex {NS}>{children}</sitemapindex>".encode()
    routed = route_sitemap(body, BASE, RoutingRules.build(max_child_sitemaps=7))
    assert len(routed.urls) == 7
    assert routed.skipped == {"child_sitemap_limit": 43}
    assert "lists 50 child sitemaps: read the first 7" in routed.warnings[0]


def test_since_filters_urls_by_lastmod_and_news_date_and_child_sitemaps_by_lastmod() -> None:
    body = (
        f'<urlset {NS} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{BASE}old-one</loc><lastmod>2020-01-01</lastmod></url>"
        f"<url><loc>{BASE}new-one</loc><news:news><news:publication_date>2026-11-20"
        "</news:publication_date></news:news></url></urlset>"
    ).encode()
    index = (
        f"<sitemapindex {NS}><sitemap><loc>{BASE}2020.xml</loc><lastmod>2020-02-01</lastmod>"
        f"</sitemap><sitemap><loc>{BASE}2026.xml</loc></sitemap></sitemapindex>"
    ).encode()
    rules = RoutingRules(since=datetime(2026, 1, 1, tzinfo=UTC))
    assert [u.url for u in route_sitemap(body, BASE, rules).urls] == [BASE + "new-one"]
    routed_index = route_sitemap(index, BASE, rules)
    assert [u.url for u in routed_index.urls] == [BASE + "2026.xml"]
    assert routed_index.skipped == {"older_than_since": 1}


def test_robots_txt_sitemap_lines_in_any_spelling() -> None:
    robots = (
        b"User-agent: *\nSITEMAP: /a.xml\nSite-map: https://news.example/b.xml # news\n"
        b"sitemap:/c.txt\nSitemap: http://[::1\nSitemap: /a.xml\n"
    )
    assert robots_sitemaps(robots, BASE) == [BASE + "a.xml", BASE + "b.xml", BASE + "c.txt"]


MEMORY_PROBE = """
import gzip, resource, sys
from crawler.discovery.sitemaps import parse_sitemap
body = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
document = parse_sitemap(body, "https://news.example/")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(document.entries), (after - before) // 1024)
"""


def test_a_49_mb_gzip_sitemap_is_read_in_bounded_memory(tmp_path: Path) -> None:
    padding = "<changefreq>daily</changefreq><priority>0.5</priority>" * 17
    entry = "<url><loc>https://news.example/a/{:06d}-some-story</loc>" + padding + "</url>\n"
    body = f"<urlset {NS}>" + "".join(entry.format(i) for i in range(50_000)) + "</urlset>"
    assert 45_000_000 < len(body) < 50 * 1024 * 1024
    path = tmp_path / "big.xml.gz"
    path.write_bytes(gzip.compress(body.encode(), compresslevel=1))
    del body
    probe = [sys.executable, "-c", MEMORY_PROBE, str(path)]
    count, grown_mb = map(int, subprocess.check_output(probe, text=True).split())
    assert count == 50_000
    # The whole document would be 49 MB of text, several times that as a tree: streamed,
    # the parse adds little more than the 50,000 entries themselves.
    assert grown_mb < 80, f"parsing grew the process by {grown_mb} MB"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss > 0
