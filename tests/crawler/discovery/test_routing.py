"""Where discovered URLs go: kind, depth and source of each, and why the others are skipped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.discovery.routing import (
    RoutingRules,
    follows_links,
    route_feed,
    route_page_links,
    route_robots,
    route_sitemap,
)
from storage.frontier import FrontierURL

BASE = "https://news.example/"
ARTICLE = "https://news.example/2026/11/20/a-long-story-about-things.html"
OLD_ARTICLE = "https://news.example/2026/01/02/an-old-story-about-things.html"
SECTION = "https://news.example/politics/"
PHOTO = "https://news.example/img/photo.jpg"
NEW, OLD = datetime(2026, 11, 20, 10, tzinfo=UTC), datetime(2026, 1, 2, 10, tzinfo=UTC)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


def rss(*items: tuple[str, str | None]) -> bytes:
    entries = "".join(
        f"<item><title>t</title><link>{link}</link>"
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for link, date in items
    )
    channel = f"<channel><title>t</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


FEED = rss(
    (ARTICLE, "Fri, 20 Nov 2026 10:00:00 GMT"),
    (OLD_ARTICLE, "Fri, 02 Jan 2026 10:00:00 GMT"),
    ("https://news.example/sport/2026/11/20/no-date-on-this-story.html", None),
)


def urlset(*urls: str, news: bool = False) -> bytes:
    namespace = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    block = (
        "<news:news><news:publication><news:name>N</news:name><news:language>en</news:language>"
        "</news:publication><news:publication_date>2026-11-20T10:00:00Z</news:publication_date>"
        "<news:title>t</news:title></news:news>"
        if news
        else ""
    )
    entries = "".join(f"<url><loc>{url}</loc>{block}</url>" for url in urls)
    return (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        f"{namespace}>{entries}</urlset>"
    ).encode()


def test_feed_entries_are_articles_one_level_deep() -> None:
    routed = route_feed(FEED, BASE + "rss.xml", RoutingRules())
    assert [(u.url, u.kind, u.source, u.depth) for u in routed.urls] == [
        (ARTICLE, "article", "feed", 1),
        (OLD_ARTICLE, "article", "feed", 1),
        ("https://news.example/sport/2026/11/20/no-date-on-this-story.html", "article", "feed", 1),
    ]
    assert routed.urls[0].published_at == NEW
    assert (routed.skipped, routed.outcome) == ({}, "read")


def test_since_skips_dated_entries_that_are_older_and_keeps_undated_ones() -> None:
    routed = route_feed(FEED, BASE + "rss.xml", RoutingRules(since=SINCE))
    assert OLD_ARTICLE not in [u.url for u in routed.urls]
    assert len(routed.urls) == 2
    assert routed.skipped == {"older_than_since": 1}


def test_include_and_exclude_patterns_skip_as_excluded_by_config() -> None:
    only_sport = RoutingRules.build(include=[r"/sport/"])
    routed = route_feed(FEED, BASE + "rss.xml", only_sport)
    assert [u.url for u in routed.urls] == [
        "https://news.example/sport/2026/11/20/no-date-on-this-story.html"
    ]
    assert routed.skipped == {"excluded_by_config": 2}
    no_sport = RoutingRules.build(exclude=[r"/sport/"])
    assert route_feed(FEED, BASE + "rss.xml", no_sport).skipped == {"excluded_by_config": 1}


def test_an_unreadable_feed_is_counted_and_says_why() -> None:
    routed = route_feed(b"<html>not a feed</html>", BASE + "rss.xml", RoutingRules())
    assert routed.urls == ()
    # Counted once, as an error, by the pipeline: not also as a skip.
    assert (routed.outcome, routed.skipped) == ("unreadable", {})
    assert routed.problem


def test_an_unreadable_sitemap_is_counted_and_says_why() -> None:
    routed = route_sitemap(b"not xml at all", BASE + "sitemap.xml", RoutingRules())
    assert (routed.outcome, routed.skipped) == ("unreadable", {})
    assert routed.problem


def test_a_sitemap_index_lists_child_sitemaps_one_level_deeper() -> None:
    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://news.example/sitemap-1.xml</loc></sitemap></sitemapindex>"
    )
    routed = route_sitemap(index, BASE + "sitemap.xml", RoutingRules())
    assert routed.urls == (
        FrontierURL("https://news.example/sitemap-1.xml", "sitemap", "sitemap", 1),
    )


def test_a_news_sitemap_lists_articles_whatever_their_url() -> None:
    routed = route_sitemap(urlset(SECTION, news=True), BASE + "news.xml", RoutingRules())
    assert [(u.url, u.kind, u.source, u.depth) for u in routed.urls] == [
        (SECTION, "article", "sitemap", 1)
    ]


def test_a_plain_sitemap_queues_every_page_for_the_page_to_decide_but_no_media() -> None:
    odd = ["https://news.example/page_12.html", "https://news.example/en/page", BASE + "2"]
    body = urlset(ARTICLE, SECTION, PHOTO, *odd)
    for rules in (RoutingRules(), RoutingRules(follow_scopes=frozenset({"news"}))):
        routed = route_sitemap(body, BASE + "sitemap.xml", rules)
        assert [(u.url, u.kind, u.source) for u in routed.urls] == [
            (url, "article", "sitemap_url") for url in (ARTICLE, SECTION, *odd)
        ]
        assert routed.skipped == {"media_file": 1}


def test_robots_txt_sitemap_lines_become_sitemaps() -> None:
    routed = route_robots(b"User-agent: *\nDisallow:\nSitemap: /sitemap.xml\n", BASE + "robots.txt")
    assert routed.urls == (FrontierURL("https://news.example/sitemap.xml", "sitemap", "robots"),)


PAGE = f"""<html><head>
<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>
<a href="{ARTICLE}">story</a> <a href="{SECTION}">politics</a> <a href="{PHOTO}">photo</a>
<a href="https://elsewhere.example/2026/11/20/another-long-story-here.html">off site</a>
</body></html>""".encode()


def test_a_pages_links_go_one_level_deeper_and_its_feeds_to_depth_0() -> None:
    routed = route_page_links(PAGE, BASE, 1, RoutingRules())
    assert [(u.url, u.kind, u.source, u.depth) for u in routed.urls] == [
        ("https://news.example/rss.xml", "feed", "page", 0),
        (ARTICLE, "article", "link", 2),
        (SECTION, "page", "link", 2),
    ]
    assert routed.skipped == {"media_file": 1}


def test_a_pages_links_obey_the_patterns_and_the_limit() -> None:
    excluded = route_page_links(PAGE, BASE, 0, RoutingRules.build(exclude=["politics"]))
    assert SECTION not in [u.url for u in excluded.urls]
    assert excluded.skipped["excluded_by_config"] == 1
    limited = route_page_links(PAGE, BASE, 0, RoutingRules(links_per_page=1))
    assert [u.url for u in limited.urls if u.source == "link"] == [ARTICLE]


@pytest.mark.parametrize(
    ("html", "scope", "depth", "expected"),
    [
        (True, "news", 0, True),
        (True, "news", 1, True),
        (True, "news", 2, False),  # max_depth reached
        (True, "other", 0, False),  # a scope whose links are not followed
        (False, "news", 0, False),  # not an HTML page
    ],
)
def test_links_are_followed_on_html_pages_of_followed_scopes_above_max_depth(
    html: bool, scope: str, depth: int, expected: bool
) -> None:
    rules = RoutingRules(follow_scopes=frozenset({"news"}), max_depth=2)
    assert follows_links(html=html, scope=scope, depth=depth, rules=rules) is expected
