"""``--render always``: every article request is sent to the browser (crawler/rendering).

Only article pages are rendered (feeds, sitemaps, robots.txt and link pages are not), and their
conditional headers are dropped: a browser shown a 304 has nothing to render.
Per-site modes (``render = "always"`` in sites.toml) come as ``ARCHIVE_RENDER_SITES``.
"""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.rendering.modes import RenderMode, mode_for
from storage.kinds import FrontierKind

__all__ = ["RenderAlwaysMiddleware"]


class RenderAlwaysMiddleware:
    """Marks article requests for rendering where the crawl's (or the site's) mode is always."""

    def __init__(self, mode: str, by_site: dict[str, str], settle: float) -> None:
        self.mode = mode
        self.by_site = by_site
        self.settle = settle

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        mode = settings.get("ARCHIVE_RENDER", RenderMode.NEVER)
        by_site = {str(k): str(v) for k, v in settings.getdict("ARCHIVE_RENDER_SITES").items()}
        if RenderMode.ALWAYS not in (mode, *by_site.values()):
            raise NotConfigured("no page is rendered always")
        return cls(mode, by_site, settings.getfloat("ARCHIVE_RENDER_SETTLE"))

    def process_request(self, request: Request) -> None:
        meta = request.meta
        if meta.get("playwright") or meta.get("kind", FrontierKind.ARTICLE) != FrontierKind.ARTICLE:
            return
        if mode_for(self.mode, self.by_site, meta.get("scope")) != RenderMode.ALWAYS:
            return
        from crawler.rendering.requests import render_meta

        meta.update(render_meta(self.settle))
        for header in (b"If-None-Match", b"If-Modified-Since"):
            request.headers.pop(header, None)
