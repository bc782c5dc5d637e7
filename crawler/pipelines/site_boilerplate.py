"""The crawler's cache of each site's learned boilerplate, relearned as the site's archive grows."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.archive import article_url_for
from storage.boilerplate import (
    DEFAULT_MIN_ARTICLES,
    DEFAULT_MIN_SHARE,
    learn_site_boilerplate,
    paragraph_key,
    without_site_boilerplate,
)
from storage.content import ArticleContent
from storage.records import FetchedPage
from storage.urls import InvalidURL, canonical_url, host_of

__all__ = ["SiteBoilerplateCache"]

log = logging.getLogger(__name__)


@dataclass
class _Learned:
    keys: frozenset[str]
    learned_at: float
    captures: int = 0


class SiteBoilerplateCache:
    """Removes each site's learned boilerplate from new captures, before they are hashed.

    A site's paragraphs are (re)learned from the archive when the site is first seen, after
    every ``relearn_every`` captures of it and when they are ``max_age`` seconds old; each
    time, the site's texts are read only if it has a version the last learning did not see
    (so each round of revisits, a process of its own, does not read them all again). Not
    thread-safe: use it from the one thread that writes (the pipeline's batch writer).
    """

    def __init__(
        self,
        *,
        min_articles: int = DEFAULT_MIN_ARTICLES,
        min_share: float = DEFAULT_MIN_SHARE,
        relearn_every: int = 50,
        max_age: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_articles = min_articles
        self.min_share = min_share
        self.relearn_every = max(1, relearn_every)
        self.max_age = max_age
        self.clock = clock
        self.removed = 0  # captures that lost at least one learned paragraph
        self._sites: dict[str, _Learned] = {}

    def apply(self, session: Session, page: FetchedPage, content: ArticleContent) -> ArticleContent:
        """``content`` without its site's learned paragraphs (see without_site_boilerplate)."""
        try:
            canonical = article_url_for(page, content.canonical_url)
        except InvalidURL:
            return content
        learned = self._learned(session, host_of(canonical))
        learned.captures += 1
        if not learned.keys:
            return content
        urls = [canonical]
        for url in filter(None, (page.final_url, page.requested_url)):
            try:
                urls.append(canonical_url(url))
            except InvalidURL:
                continue
        result = without_site_boilerplate(session, content, learned.keys, urls)
        self.removed += result is not content
        return result

    def _learned(self, session: Session, host: str) -> _Learned:
        now = self.clock()
        learned = self._sites.get(host)
        if (
            learned is None
            or learned.captures >= self.relearn_every
            or now - learned.learned_at >= self.max_age
        ):
            paragraphs = learn_site_boilerplate(
                session,
                host,
                min_articles=self.min_articles,
                min_share=self.min_share,
                unless_unchanged=True,
            )
            learned = _Learned(frozenset(paragraph_key(p.paragraph) for p in paragraphs), now)
            self._sites[host] = learned
            log.debug("%d boilerplate paragraphs known for %s", len(learned.keys), host)
        return learned
