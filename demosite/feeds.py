"""Feeds (RSS 2.0, Atom, JSON Feed), sitemaps (index, urlset, Google News) and robots.txt."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from demosite import bank
from demosite.content import Article

Link = Callable[[Article], str]
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_WINDOW = timedelta(days=2)


def robots_txt(base_url: str) -> str:
    """robots.txt: private and control areas disallowed, sitemaps announced."""
    return (
        "# robots.txt for the demo news site\n"
        "User-agent: *\n"
        "Disallow: /private/\n"
        "Disallow: /_control/\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {base_url}/sitemap.xml\n"
        f"Sitemap: {base_url}/sitemap-news.xml\n"
    )


def latest_modified(articles: Sequence[Article]) -> datetime:
    """The newest dateModified among `articles`."""
    return max(a.modified for a in articles)


def rss(site_name: str, base_url: str, articles: Sequence[Article], link: Link) -> str:
    """RSS 2.0 with dc:creator and an atom:link to itself."""
    items = []
    for a in articles:
        url = escape(link(a))
        creators = "".join(f"<dc:creator>{escape(n)}</dc:creator>" for n in a.authors)
        items.append(
            f"<item><title>{escape(a.headline)}</title><link>{url}</link>"
            f'<guid isPermaLink="true">{url}</guid><pubDate>{format_datetime(a.published, True)}'
            f"</pubDate>{creators}<category>{bank.SECTIONS[a.section]}</category>"
            f"<description>{escape(a.dek)}</description></item>"
        )
    return (
        f'{XML_DECL}<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(site_name)}</title>\n<link>{escape(base_url)}/</link>\n"
        f"<description>Top stories from {escape(site_name)}</description>\n"
        f"<language>en-us</language>\n"
        f"<lastBuildDate>{format_datetime(latest_modified(articles), True)}</lastBuildDate>\n"
        f'<atom:link href="{escape(base_url)}/rss.xml" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def atom(site_name: str, base_url: str, articles: Sequence[Article], link: Link) -> str:
    """Atom 1.0 with published and updated per entry."""
    entries = []
    for a in articles:
        url = escape(link(a))
        authors = "".join(f"<author><name>{escape(n)}</name></author>" for n in a.authors)
        entries.append(
            f"<entry><id>{url}</id><title>{escape(a.headline)}</title>"
            f'<link rel="alternate" type="text/html" href="{url}"/>'
            f"<published>{a.published.isoformat()}</published>"
            f"<updated>{a.modified.isoformat()}</updated>{authors}"
            f"<summary>{escape(a.dek)}</summary></entry>"
        )
    return (
        f'{XML_DECL}<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<id>{escape(base_url)}/</id>\n<title>{escape(site_name)}</title>\n"
        f"<updated>{latest_modified(articles).isoformat()}</updated>\n"
        f'<link rel="self" href="{escape(base_url)}/atom.xml"/>\n'
        f'<link rel="alternate" href="{escape(base_url)}/"/>\n' + "\n".join(entries) + "\n</feed>\n"
    )


def json_feed(site_name: str, base_url: str, articles: Sequence[Article], link: Link) -> str:
    """JSON Feed 1.1."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": site_name,
        "home_page_url": f"{base_url}/",
        "feed_url": f"{base_url}/feed.json",
        "language": "en-US",
        "items": [
            {
                "id": link(a),
                "url": link(a),
                "title": a.headline,
                "summary": a.dek,
                "date_published": a.published.isoformat(),
                "date_modified": a.modified.isoformat(),
                "authors": [{"name": n} for n in a.authors],
                "tags": list(a.tags),
            }
            for a in articles
        ],
    }
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


def sitemap_index(base_url: str, entries: Sequence[tuple[str, datetime]]) -> str:
    """A sitemap index pointing at child sitemaps (path, lastmod)."""
    body = "".join(
        f"<sitemap><loc>{escape(base_url + path)}</loc><lastmod>{when.isoformat()}</lastmod>"
        "</sitemap>\n"
        for path, when in entries
    )
    return f'{XML_DECL}<sitemapindex xmlns="{SITEMAP_NS}">\n{body}</sitemapindex>\n'


def urlset(urls: Sequence[tuple[str, datetime | None]]) -> str:
    """A plain urlset of (absolute URL, lastmod)."""
    body = "".join(
        f"<url><loc>{escape(url)}</loc>"
        + (f"<lastmod>{when.isoformat()}</lastmod>" if when else "")
        + "</url>\n"
        for url, when in urls
    )
    return f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}">\n{body}</urlset>\n'


def news_sitemap(site_name: str, articles: Sequence[Article], link: Link, now: datetime) -> str:
    """A Google News sitemap: articles published in the two days before `now`."""
    body = []
    for a in articles:
        if a.published < now - NEWS_WINDOW:
            continue
        body.append(
            f"<url><loc>{escape(link(a))}</loc><lastmod>{a.modified.isoformat()}</lastmod>"
            f"<news:news><news:publication><news:name>{escape(site_name)}</news:name>"
            "<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
            f"<news:title>{escape(a.headline)}</news:title></news:news></url>\n"
        )
    return (
        f'{XML_DECL}<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n'
        + "".join(body)
        + "</urlset>\n"
    )
