"""Property tests: any bytes or text given to the discovery parsers gives a result or a counted
skip (or the parser's own error type for a document that is none of its forms), never a crash."""

from __future__ import annotations

import gzip

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.discovery.classify import classify_url
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.links import advertised_feeds, page_links, robots_sitemaps
from crawler.discovery.routing import RoutingRules, route_feed, route_sitemap
from crawler.discovery.sitemaps import SitemapError, parse_sitemap
from crawler.discovery.urls import absolute_url

BASE = "https://news.example/"
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

# Text that looks like the pieces of a URL, so hypothesis finds the odd ones (``[::1``, ports).
url_text = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["http", "https", "ftp", "HTTP", ""]),
        st.one_of(
            st.sampled_from(["[::1", "[::1]", "a.example:99999", "b.example", ""]),
            st.text(max_size=20),
        ),
        st.text(max_size=30),
    ),
)


def urlset_of(locs: list[str]) -> bytes:
    body = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f"<urlset {NS}>{body}</urlset>".encode("utf-8", "surrogatepass")


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_sitemap_document_or_a_sitemap_error(body: bytes) -> None:
    for data in (body, gzip.compress(body)):
        try:
            document = parse_sitemap(data, BASE)
        except SitemapError:
            continue
        assert all(e.url.lower().startswith(("http://", "https://")) for e in document.entries)
        routed = route_sitemap(data, BASE, RoutingRules())
        assert routed.outcome == "read"


@PROPERTY
@given(st.lists(url_text, max_size=12))
def test_every_sitemap_entry_is_kept_or_counted(locs: list[str]) -> None:
    escaped = [loc.replace("&", "&amp;").replace("<", "&lt;") for loc in locs]
    try:
        document = parse_sitemap(urlset_of(escaped), BASE)
    except SitemapError:
        return  # characters XML cannot carry: the document is not XML
    assert len(document.entries) + sum(document.skipped.values()) <= len(locs)


@PROPERTY
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_feed_or_a_feed_error(body: bytes) -> None:
    try:
        feed = parse_feed(body, BASE)
    except FeedError:
        return
    assert all(e.url.lower().startswith(("http://", "https://")) for e in feed.entries)
    assert route_feed(body, BASE, RoutingRules()).outcome == "read"


@PROPERTY
@given(st.lists(url_text, max_size=8))
def test_feed_links_are_kept_or_counted(links: list[str]) -> None:
    items = "".join(
        f"<item><title>t</title><link>{link.replace('&', '&amp;').replace('<', '&lt;')}</link>"
        "</item>"
        for link in links
    )
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    try:
        feed = parse_feed(body.encode("utf-8", "surrogatepass"), BASE)
    except FeedError:
        return
    assert len(feed.entries) + sum(feed.skipped.values()) <= len(links)


@PROPERTY
@given(url_text, st.sampled_from([BASE, "http://[::1", "", "https://a.example/x/y"]))
def test_a_url_is_usable_or_none_and_classified_without_error(raw: str, base: str) -> None:
    url = absolute_url(raw, base)
    if url is not None:
        assert url.lower().startswith(("http://", "https://"))
        assert classify_url(url).kind in ("article", "page", "skip")


@PROPERTY
@given(st.binary(max_size=1500))
def test_pages_and_robots_txt_give_lists_of_urls(body: bytes) -> None:
    for url in [*page_links(body, BASE, limit=50), *advertised_feeds(body, BASE)]:
        assert url.lower().startswith(("http://", "https://"))
    for url in robots_sitemaps(body, BASE):
        assert url.lower().startswith(("http://", "https://"))
