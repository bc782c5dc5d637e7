"""Where discovered URLs go: which enter the frontier, as what kind and depth, which are skipped.

Pure functions of a source's bytes, its URL and the crawl's ``RoutingRules``; the spider turns
their ``Routed`` answer into a ``DiscoveredLinks`` item. Skipped URLs are counted by reason
(``archive/skipped/<reason>`` once recorded).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import urljoin

from crawler.discovery.classify import classify_url, skip_reason
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.links import advertised_feeds, page_links, robots_sitemaps
from crawler.discovery.sitemaps import SitemapEntry, SitemapError, open_sitemap
from storage.frontier import FrontierURL
from storage.kinds import FrontierKind

# How deep sitemap indexes may nest: an index (depth 0, named by robots.txt or the user) may
# list indexes down to depth 5; sitemaps.org allows one level, publishers use two or three.
MAX_SITEMAP_DEPTH = 5
DISCOVERY_BATCH = 2_000  # discovered URLs per item, each written in its own step
# A sitemap's later batches are bigger: its first URLs are written (and fetched) at once, the
# rest in fewer transactions, each of which rewrites the url_hash index pages it touches (a
# random key: 2,000 rows touch as many pages as 10,000 do, nearly).
LATER_SITEMAP_BATCH = 10_000


@dataclass(frozen=True)
class RoutingRules:
    """What a crawl wants of discovered URLs (from the spider's arguments)."""

    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    since: datetime | None = None
    follow_scopes: frozenset[str] = frozenset()
    max_depth: int = 2
    links_per_page: int = 200
    max_sitemap_depth: int = MAX_SITEMAP_DEPTH
    max_child_sitemaps: int = 10_000

    @classmethod
    def build(
        cls,
        *,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        since: datetime | None = None,
        follow_scopes: Iterable[str] = (),
        max_depth: int = 2,
        links_per_page: int = 200,
        max_child_sitemaps: int = 10_000,
    ) -> RoutingRules:
        """Rules from plain values: ``include`` and ``exclude`` are regular expressions."""
        return cls(
            include=tuple(re.compile(p) for p in include),
            exclude=tuple(re.compile(p) for p in exclude),
            since=since,
            follow_scopes=frozenset(follow_scopes),
            max_depth=max_depth,
            links_per_page=links_per_page,
            max_child_sitemaps=max_child_sitemaps,
        )

    def follows(self, scope: str | None) -> bool:
        """Whether links of this scope's pages (and section fronts in its sitemaps) are followed."""
        return scope in self.follow_scopes


@dataclass(frozen=True)
class Routed:
    """The URLs a source sends to the frontier, and how many it skipped, by reason.

    ``outcome`` is ``"read"``, or ``"unreadable"`` with the ``problem`` in words (counted once,
    as an error, by the pipeline). ``warnings`` name the limits the source hit.
    """

    urls: tuple[FrontierURL, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    outcome: str = "read"
    problem: str | None = None
    warnings: tuple[str, ...] = ()


def _skip(skipped: dict[str, int], reason: str) -> None:
    skipped[reason] = skipped.get(reason, 0) + 1


def wanted(url: str, rules: RoutingRules, skipped: dict[str, int]) -> bool:
    """Whether ``url`` passes the include and exclude patterns (else: ``excluded_by_config``)."""
    if rules.include and not any(p.search(url) for p in rules.include):
        _skip(skipped, "excluded_by_config")
        return False
    if any(p.search(url) for p in rules.exclude):
        _skip(skipped, "excluded_by_config")
        return False
    return True


def recent(published: datetime | None, rules: RoutingRules, skipped: dict[str, int]) -> bool:
    """Whether a dated entry is no older than ``since`` (else: ``older_than_since``)."""
    if rules.since is not None and published is not None and published < rules.since:
        _skip(skipped, "older_than_since")
        return False
    return True


def route_feed(body: bytes, url: str, rules: RoutingRules) -> Routed:
    """A feed's entries are articles (depth 1), unless excluded or older than ``since``."""
    try:
        feed = parse_feed(body, url)
    except FeedError as error:
        return Routed(outcome="unreadable", problem=str(error))
    skipped = dict(feed.skipped)
    urls = tuple(
        FrontierURL(entry.url, FrontierKind.ARTICLE, "feed", 1, entry.published_at)
        for entry in feed.entries
        if wanted(entry.url, rules, skipped) and recent(entry.published_at, rules, skipped)
    )
    return Routed(urls, skipped)


def route_sitemap(body: bytes, url: str, rules: RoutingRules, depth: int = 0) -> Routed:
    """All of ``route_sitemap_batches`` in one ``Routed``."""
    parts = list(route_sitemap_batches(body, url, rules, depth))
    urls = tuple(u for part in parts for u in part.urls)
    return replace(parts[-1], urls=urls)


def route_sitemap_batches(
    body: bytes,
    url: str,
    rules: RoutingRules,
    depth: int = 0,
    batch: int = DISCOVERY_BATCH,
    later_batch: int = LATER_SITEMAP_BATCH,
) -> Generator[Routed]:
    """Child sitemaps (within the nesting and count bounds) and every listed page as an article.

    Yielded while the file is still being parsed, ``batch`` URLs first and then ``later_batch``
    at a time, so the first are written (and fetched) before a 50,000-URL file is read to its
    end, and the rest in few transactions; the last part carries
    the skips, the warnings and the outcome. A listed page is queued whatever its URL looks
    like: the page decides. A Google News entry or a feed entry is an article by declaration
    (source ``sitemap``/``feed``); any other is kept only if the fetched page declares itself
    an article (source ``sitemap_url``). Media files and crawler traps are still skipped by URL.
    """
    try:
        document, entries = open_sitemap(body, url)
        source = "feed" if document.form == "feed" else "sitemap_url"
        skipped: dict[str, int] = {}
        urls: list[FrontierURL] = []
        children: list[SitemapEntry] = []
        for entry in entries:
            if entry.kind == "sitemap":
                children.append(entry)
            elif wanted(entry.url, rules, skipped) and recent(entry.published_at, rules, skipped):
                reason = skip_reason(entry.url)  # the URL's shape only rules out media, traps
                if reason is not None:
                    _skip(skipped, reason)
                    continue
                listed = "sitemap" if entry.is_news else source
                urls.append(
                    FrontierURL(entry.url, FrontierKind.ARTICLE, listed, 1, entry.published_at)
                )
                if len(urls) >= batch:
                    yield Routed(tuple(urls))
                    urls, batch = [], max(batch, later_batch)
    except SitemapError as error:
        yield Routed(outcome="unreadable", problem=str(error))
        return
    for reason, count in document.skipped.items():
        skipped[reason] = skipped.get(reason, 0) + count
    warnings = list(document.limits_hit)
    urls[:0] = _child_sitemaps(children, depth, rules, skipped, warnings)
    yield Routed(tuple(urls), skipped, warnings=tuple(warnings))


def _child_sitemaps(
    children: list[SitemapEntry],
    depth: int,
    rules: RoutingRules,
    skipped: dict[str, int],
    warnings: list[str],
) -> list[FrontierURL]:
    """An index's child sitemaps, one level deeper, unless too deep, too many or too old."""
    if children and depth + 1 > rules.max_sitemap_depth:
        _skip(skipped, "sitemap_too_deep")
        skipped["sitemap_too_deep"] += len(children) - 1
        warnings.append(
            f"sitemap indexes nested deeper than {rules.max_sitemap_depth} levels: "
            f"{len(children):,} child sitemaps not read"
        )
        return []
    kept = [c for c in children if recent(c.published_at, rules, skipped)]
    if len(kept) > rules.max_child_sitemaps:
        skipped["child_sitemap_limit"] = len(kept) - rules.max_child_sitemaps
        warnings.append(
            f"lists {len(kept):,} child sitemaps: read the first {rules.max_child_sitemaps:,} "
            "(--max-pages)"
        )
        kept = kept[: rules.max_child_sitemaps]
    return [
        FrontierURL(c.url, FrontierKind.SITEMAP, "sitemap", depth + 1, c.published_at) for c in kept
    ]


# Where sitemaps usually are, read when a site's robots.txt names none (source ``well_known``:
# a missing one is not an error).
WELL_KNOWN_SITEMAPS = ("sitemap.xml", "sitemap_index.xml", "sitemap-news.xml", "news-sitemap.xml")
WELL_KNOWN = "well_known"


def route_robots(body: bytes, url: str) -> Routed:
    """The ``Sitemap:`` lines of a robots.txt as sitemaps to read; the usual places if none."""
    named = robots_sitemaps(body, url)
    if named:
        return Routed(tuple(FrontierURL(s, FrontierKind.SITEMAP, "robots", 0) for s in named))
    root = urljoin(url, "/")
    return Routed(
        tuple(
            FrontierURL(root + path, FrontierKind.SITEMAP, WELL_KNOWN, 0)
            for path in WELL_KNOWN_SITEMAPS
        )
    )


def follows_links(*, html: bool, scope: str | None, depth: int, rules: RoutingRules) -> bool:
    """Whether a fetched page's links are followed: an HTML page of a followed scope, not deep."""
    return html and rules.follows(scope) and depth < rules.max_depth


def route_page_links(body: bytes, url: str, depth: int, rules: RoutingRules) -> Routed:
    """A page's advertised feeds, and its links one level deeper (classified by URL)."""
    skipped: dict[str, int] = {}
    urls = [FrontierURL(feed, FrontierKind.FEED, "page", 0) for feed in advertised_feeds(body, url)]
    for link in page_links(body, url, limit=rules.links_per_page):
        verdict = classify_url(link)
        if verdict.kind == "skip":
            _skip(skipped, verdict.reason)
        elif wanted(link, rules, skipped):
            urls.append(FrontierURL(link, verdict.kind, "link", depth + 1))
    return Routed(tuple(urls), skipped)
