"""Request URLs as newsarchive fetches them: no credentials, bounded length, each refusal recorded.

Replaces Scrapy's UrlLengthMiddleware, which drops an over-long URL silently (no capture, and a
frontier lease that is never completed). ``user:password@`` is removed before the request goes
anywhere, so it is never sent, logged or stored; Scrapy could not fetch such a URL anyway.
"""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from crawler.middlewares.refused import RequestRefused
from storage.urls import strip_credentials


class RequestUrlMiddleware:
    """Strips credentials from request URLs and refuses URLs longer than ``max_length``."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_REQUEST_URLS_ENABLED", True):
            raise NotConfigured("ARCHIVE_REQUEST_URLS_ENABLED is off")
        return cls(settings.getint("URLLENGTH_LIMIT", 16384))

    def process_request(self, request: Request) -> Request | None:
        if "@" in urlparse_cached(request).netloc:
            return request.replace(url=strip_credentials(request.url))
        if self.max_length and len(request.url) > self.max_length:
            raise RequestRefused(
                "url_too_long",
                f"the URL is {len(request.url)} characters long, over the limit of "
                f"{self.max_length} (URLLENGTH_LIMIT)",
            )
        return None
