"""Same-site links of a page, and the feeds and sitemaps a site advertises."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from lxml import html

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
    except (ValueError, TypeError, SyntaxError):
        return []
    host = urlsplit(base_url).hostname or ""
    found: dict[str, None] = {}
    for element in document.iter("a"):
        href = element.get("href")
        if not href or element.get("rel") == "nofollow":
            continue
        url = urljoin(base_url, href.strip()).split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https") and _same_site(url, host):
            found.setdefault(url, None)
            if len(found) >= limit:
                break
    return list(found)


def advertised_feeds(body: bytes, base_url: str) -> list[str]:
    """Feeds named by ``<link rel="alternate" type="application/rss+xml" ...>`` tags."""
    try:
        document = html.fromstring(body, base_url=base_url)
    except (ValueError, TypeError, SyntaxError):
        return []
    feeds = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES and link.get("href"):
            feeds.append(urljoin(base_url, link.get("href", "")))
    return feeds


def robots_sitemaps(robots_txt: bytes, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt."""
    sitemaps = []
    for line in robots_txt.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            sitemaps.append(urljoin(base_url, value.strip()))
    return sitemaps
