"""Same-site links of a page, and the feeds and sitemaps a site advertises."""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree, html

from crawler.discovery.urls import absolute_url

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
)


def _same_site(url: str, host: str) -> bool:
    other = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return other == host.lower().removeprefix("www.")


def page_links(body: bytes, base_url: str, *, limit: int) -> list[str]:
    """Up to ``limit`` distinct http(s) links of a page that stay on the page's site."""
    try:
        document = html.fromstring(body, base_url=base_url)
    except (ValueError, TypeError, SyntaxError, etree.LxmlError):
        return []
    host = urlsplit(base_url).hostname or ""
    found: dict[str, None] = {}
    for element in document.iter("a"):
        href = element.get("href")
        if not href or element.get("rel") == "nofollow":
            continue
        url = absolute_url(href, base_url)
        if url is not None and _same_site(url, host):
            found.setdefault(url, None)
            if len(found) >= limit:
                break
    return list(found)


def advertised_feeds(body: bytes, base_url: str) -> list[str]:
    """Feeds named by ``<link rel="alternate" type="application/rss+xml" ...>`` tags."""
    try:
        document = html.fromstring(body, base_url=base_url)
    except (ValueError, TypeError, SyntaxError, etree.LxmlError):
        return []
    feeds = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        url = absolute_url(link.get("href"), base_url)
        if "alternate" in rel and kind in FEED_TYPES and url is not None:
            feeds.append(url)
    return feeds


SITEMAP_KEYS = frozenset({"sitemap", "site-map", "sitemaps"})


def robots_sitemaps(robots_txt: bytes, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt (any case; ``Site-map:`` too), distinct, in order.

    A value that is not a usable URL is ignored; a comment after ``#`` is not part of it.
    """
    sitemaps: dict[str, None] = {}
    for line in robots_txt.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        value = value.split(" #", 1)[0].strip()
        url = absolute_url(value, base_url) if key.strip().lower() in SITEMAP_KEYS else None
        if url is not None:
            sitemaps.setdefault(url, None)
    return list(sitemaps)
