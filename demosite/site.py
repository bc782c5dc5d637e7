"""A deterministic generated news site: pure functions from (path, round, nonce) to responses."""

from __future__ import annotations

import gzip
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from demosite import bank, feeds, pages, special
from demosite.content import Article, apply_edit, edits_for_round, generate_article, slugify
from demosite.response import Response, strong_etag, weak_etag

logger = logging.getLogger(__name__)

DEFAULT_NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PER_PAGE = 5
FEED_SIZE = 20
XML = "application/xml; charset=utf-8"
TRACKING_QUERY = "utm_source=x&fbclid=y"


class NewsSite:
    """A generated news site of `articles` articles whose content changes by `round`.

    Round 1 is the original site; every later round applies the edits documented in
    `demosite.content.EDIT_PLAN` on top of the previous ones. Nothing here reads the clock:
    dates derive from `now`, edits made in round r are dated `round_time(r)`.
    """

    def __init__(
        self,
        articles: int = 60,
        seed: int = 1,
        host_label: str = "Example Gazette",
        *,
        now: datetime | None = None,
        round_interval: timedelta = timedelta(hours=1),
    ) -> None:
        if articles < 1:
            raise ValueError("a site needs at least one article")
        now = now or DEFAULT_NOW
        self.articles = articles
        self.seed = seed
        self.host_label = host_label
        self.now = (now if now.tzinfo else now.replace(tzinfo=UTC)).replace(microsecond=0)
        self.round_interval = round_interval
        self.hosts: list[str] = []  # base URLs articles are spread over (multi-host mode)
        self._round = 1
        self._round_times: dict[int, datetime] = {}
        self._states: dict[tuple[int, int], Article] = {}
        used: set[str] = set()
        self._base = [
            generate_article(n, articles, self.now, seed, used) for n in range(1, articles + 1)
        ]
        self._by_path = {a.path: a.number for a in self._base}
        self._sections: dict[str, list[int]] = defaultdict(list)
        self._tags: dict[str, list[int]] = defaultdict(list)
        self._authors: dict[str, list[int]] = defaultdict(list)
        for a in self._base:
            self._sections[a.section].append(a.number)
            for tag in a.tags:
                self._tags[tag].append(a.number)
            for author in a.authors:
                self._authors[slugify(author)].append(a.number)
        self._author_names = {slugify(n): n for a in self._base for n in a.authors}

    # -- rounds ---------------------------------------------------------------------------

    @property
    def round(self) -> int:
        """The current round (1 = original content)."""
        return self._round

    @round.setter
    def round(self, number: int) -> None:
        self.set_round(number)

    def set_round(self, number: int, at: datetime | None = None) -> None:
        """Move to round `number`; edits of rounds not dated yet are dated `at` if given."""
        if number < 1:
            raise ValueError(f"round must be >= 1, not {number}")
        if at is not None:
            at = (at if at.tzinfo else at.replace(tzinfo=UTC)).replace(microsecond=0)
            dated = [r for r in range(2, number + 1) if r not in self._round_times]
            for r in dated:
                self._round_times[r] = at
            if dated:  # states cached for those rounds carry the default dates
                self._states = {k: v for k, v in self._states.items() if k[1] < dated[0]}
        if number != self._round:
            logger.info("demo site moves from round %d to round %d", self._round, number)
        self._round = number

    def round_time(self, number: int) -> datetime:
        """When the edits of round `number` were made."""
        default = self.now + self.round_interval * (number - 1)
        return self._round_times.get(number, default)

    # -- articles -------------------------------------------------------------------------

    def article(self, number: int, round_number: int | None = None) -> Article:
        """Article `number` (1-based) as it reads in `round_number` (default: current round)."""
        r = self._round if round_number is None else round_number
        key = (number, r)
        if key not in self._states:
            if r <= 1:
                state = self._base[number - 1]
            else:
                state = self.article(number, r - 1)
                for edit in edits_for_round(r, self.articles):
                    if edit.number == number:
                        state = apply_edit(state, edit, r, self.round_time(r))
            self._states[key] = state
        return self._states[key]

    def article_at(self, path: str, round_number: int | None = None) -> Article:
        """The article at `path` (KeyError when there is none)."""
        return self.article(self._by_path[path], round_number)

    def current_articles(self) -> list[Article]:
        """All articles in the current round, newest first."""
        return [self.article(n) for n in range(1, self.articles + 1)]

    def article_paths(self) -> list[str]:
        """Paths of all articles, newest first."""
        return [a.path for a in self._base]

    def edited_in_round(self, round_number: int) -> set[str]:
        """Paths of the articles whose archivable content changes in `round_number`."""
        return {self._base[e.number - 1].path for e in edits_for_round(round_number, self.articles)}

    def stealth_edited_in_round(self, round_number: int) -> set[str]:
        """Edited paths whose dateModified (and Last-Modified) stays the same."""
        edits = edits_for_round(round_number, self.articles)
        return {self._base[e.number - 1].path for e in edits if e.stealth}

    def expected_title(self, path: str, round_number: int | None = None) -> str:
        """The headline an extractor should find at `path`."""
        return self.article_at(path, round_number).headline

    def expected_text(self, path: str, round_number: int | None = None) -> str:
        """The archivable text at `path`: body paragraphs, correction, reporting credit."""
        return "\n".join(self.article_at(path, round_number).body())

    def expected_authors(self, path: str) -> tuple[str, ...]:
        """The byline's authors at `path`."""
        return self.article_at(path).authors

    def expected_modified(self, path: str, round_number: int | None = None) -> datetime:
        """The page-declared dateModified at `path`."""
        return self.article_at(path, round_number).modified

    def article_url(self, article: Article, base_url: str) -> str:
        """Absolute URL of `article`; in multi-host mode, on the host it is assigned to."""
        if self.hosts:
            base_url = self.hosts[(article.number - 1) % len(self.hosts)]
        return base_url + article.path

    @staticmethod
    def tracking_url(path: str) -> str:
        """`path` with tracking parameters appended (serves the same article)."""
        return f"{path}?{TRACKING_QUERY}"

    @staticmethod
    def amp_path(path: str) -> str:
        """A second URL for an article, whose rel=canonical points to the article's own URL."""
        return "/amp" + path

    # -- rendering ------------------------------------------------------------------------

    def render(
        self, target: str, base_url: str, nonce: int = 0, rendered_at: datetime | None = None
    ) -> Response:
        """The response to GET `target` (path and query) on the server at `base_url`."""
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        stamp = rendered_at or self.now + timedelta(milliseconds=nonce)
        ctx = pages.PageContext(
            self.host_label, base_url, nonce, stamp, self._linker(base_url), self.now
        )
        response = special.special_response(path, query, self.host_label, base_url)
        if response is None:
            response = self._route(ctx, path, parse_qs(query))
        return response

    def _route(self, ctx: pages.PageContext, path: str, query: dict[str, list[str]]) -> Response:
        if path in self._by_path:
            return self._article_response(ctx, self.article_at(path), amp=False)
        if path.startswith("/amp/") and path[4:] in self._by_path:
            return self._article_response(ctx, self.article_at(path[4:]), amp=True)
        if path == "/":
            return self._html(self._home(ctx))
        feed = self._feed_or_sitemap(ctx.base_url, path)
        if feed is not None:
            return feed
        page = self._page_number(query)
        listing = self._listing(ctx, path, page)
        if listing is not None:
            return listing
        match = re.fullmatch(r"/calendar/(\d{4})/(\d{2})/", path)
        if match and int(match.group(1)) >= 1 and 1 <= int(match.group(2)) <= 12:
            year, month = int(match.group(1)), int(match.group(2))
            items = [
                a
                for a in self.current_articles()
                if (a.published.year, a.published.month) == (year, month)
            ]
            return self._html(pages.calendar_page(ctx, year, month, items))
        if path in TEXT_PAGES:
            title, paragraphs = TEXT_PAGES[path]
            return self._html(pages.simple_page(ctx, title, paragraphs))
        if path.strip("/") in bank.SECTIONS and not path.endswith("/"):
            return Response(301, b"", headers=(("Location", f"{path}/"),))
        return Response(404, pages.simple_page(ctx, "Page not found", NOT_FOUND).encode())

    @staticmethod
    def _html(text: str) -> Response:
        return Response(200, text.encode("utf-8"))

    @staticmethod
    def _page_number(query: dict[str, list[str]]) -> int:
        value = query.get("page", ["1"])[0]
        return int(value) if value.isdigit() and int(value) >= 1 else 0

    def _article_response(self, ctx: pages.PageContext, article: Article, amp: bool) -> Response:
        canonical = self.article_url(article, ctx.base_url)
        siblings = self._sections[article.section]
        at = siblings.index(article.number)
        related = [self.article(n) for n in (siblings[at + 1 : at + 4] or siblings[:at][-3:])]
        html = pages.article_page(ctx, article, related, canonical)
        return Response(
            200,
            html.encode("utf-8"),
            etag=weak_etag("amp" if amp else "article", article),
            last_modified=article.modified,
        )

    def _home(self, ctx: pages.PageContext) -> str:
        latest = [self.article(n) for n in range(1, min(self.articles, 12) + 1)]
        by_section = {
            key: [self.article(n) for n in self._sections[key][:3]]
            for key in bank.SECTIONS
            if self._sections[key]
        }
        paged = {key for key, numbers in self._sections.items() if len(numbers) > PER_PAGE}
        return pages.home_page(ctx, latest, by_section, paged)

    def _listing(self, ctx: pages.PageContext, path: str, page: int) -> Response | None:
        match = re.fullmatch(r"/(?:(tag|author)/)?([a-z0-9-]+)/", path)
        if not match:
            return None
        kind, key = match.groups()
        if kind == "tag":
            numbers, heading = self._tags.get(key), key.replace("-", " ").capitalize()
        elif kind == "author":
            numbers, heading = self._authors.get(key), self._author_names.get(key, "")
        else:
            numbers, heading = self._sections.get(key), bank.SECTIONS.get(key, "")
        start = (page - 1) * PER_PAGE
        if not numbers or page < 1 or start >= len(numbers):
            return None
        chosen = [self.article(n) for n in numbers[start : start + PER_PAGE]]
        has_next = start + PER_PAGE < len(numbers)
        return self._html(pages.listing_page(ctx, heading, path, chosen, page, has_next))

    def _feed_or_sitemap(self, base_url: str, path: str) -> Response | None:
        articles = self.current_articles()
        link = self._linker(base_url)
        newest = articles[:FEED_SIZE]
        last = feeds.latest_modified(articles)
        text: str
        if path == "/robots.txt":
            return Response(200, feeds.robots_txt(base_url).encode(), "text/plain; charset=utf-8")
        if path == "/rss.xml":
            text, kind = feeds.rss(self.host_label, base_url, newest, link), "application/rss+xml"
        elif path == "/atom.xml":
            text, kind = feeds.atom(self.host_label, base_url, newest, link), "application/atom+xml"
        elif path == "/feed.json":
            text, kind = (
                feeds.json_feed(self.host_label, base_url, newest, link),
                "application/feed+json",
            )
        elif path == "/sitemap.xml":
            children = [("/sitemap-articles.xml", last), ("/sitemap-pages.xml.gz", last)]
            text, kind = feeds.sitemap_index(base_url, children), XML
        elif path in ("/sitemap-articles.xml", "/sitemap-articles.xml.gz"):
            text, kind = feeds.urlset([(link(a), a.modified) for a in articles]), XML
        elif path == "/sitemap-pages.xml.gz":
            fronts = ["/", *(f"/{key}/" for key in bank.SECTIONS if self._sections[key])]
            text, kind = feeds.urlset([(base_url + p, last) for p in fronts]), XML
        elif path == "/sitemap-news.xml":
            text, kind = feeds.news_sitemap(self.host_label, articles, link, self.now), XML
        else:
            return None
        data = text.encode("utf-8")
        if path.endswith(".gz"):
            data, kind = gzip.compress(data, mtime=0), "application/x-gzip"
        if kind.startswith("application/") and "charset" not in kind and not path.endswith(".gz"):
            kind += "; charset=utf-8"
        return Response(200, data, kind, etag=strong_etag(data), last_modified=last)

    def _linker(self, base_url: str) -> feeds.Link:
        def link(article: Article) -> str:
            return self.article_url(article, base_url)

        return link

    @classmethod
    def from_description(cls, description: dict[str, Any]) -> NewsSite:
        """Rebuild the site another process describes (GET /_control/site)."""
        site = cls(
            int(description["articles"]),
            int(description["seed"]),
            str(description["host_label"]),
            now=datetime.fromisoformat(description["now"]),
        )
        for r, when in description.get("round_times", {}).items():
            site._round_times[int(r)] = datetime.fromisoformat(when)
        site.hosts = list(description.get("hosts", []))
        site.set_round(int(description.get("round", 1)))
        return site

    def describe(self) -> dict[str, Any]:
        """Parameters and state, enough for another process to rebuild an equal NewsSite."""
        return {
            "articles": self.articles,
            "seed": self.seed,
            "host_label": self.host_label,
            "now": self.now.isoformat(),
            "round": self._round,
            "round_times": {str(r): t.isoformat() for r, t in sorted(self._round_times.items())},
            "hosts": list(self.hosts),
        }


NOT_FOUND: Sequence[str] = ("The page you are looking for does not exist or has moved.",)
TEXT_PAGES: dict[str, tuple[str, Sequence[str]]] = {
    "/about/": ("About us", ("We are an independent newsroom covering the world since 1897.",)),
    "/newsletters/": ("Newsletters", tuple(f"{n}: sign up today." for n in bank.NEWSLETTERS)),
    "/private/": ("Newsroom intranet", ("Staff only. This area is disallowed in robots.txt.",)),
    "/private/drafts/embargoed-story.html": (
        "Embargoed: draft story",
        ("Do not publish. This draft is under embargo and must never be archived.",),
    ),
}
