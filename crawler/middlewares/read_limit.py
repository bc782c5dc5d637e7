"""Stop reading a robots.txt at ``ARCHIVE_ROBOTSTXT_MAX_BYTES`` and keep what was read.

DOWNLOAD_MAXSIZE fails a response that is too large; a robots.txt is different: its first part
is as binding as the whole (crawlers read a prefix and ignore the rest), so the download stops
at the cap and the prefix is used.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured, StopDownload
from scrapy.utils.httpobj import urlparse_cached

READ_LIMIT = "archive_read_limit"
READ_SO_FAR = "archive_bytes_read"


class RobotsTxtReadLimitMiddleware:
    """Marks robots.txt requests with a read limit; the bytes_received handler enforces it."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_ROBOTSTXT_READ_LIMIT_ENABLED", True):
            raise NotConfigured("ARCHIVE_ROBOTSTXT_READ_LIMIT_ENABLED is off")
        middleware = cls(settings.getint("ARCHIVE_ROBOTSTXT_MAX_BYTES", 512 * 1024))
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def process_request(self, request: Request) -> None:
        if urlparse_cached(request).path == "/robots.txt":
            request.meta[READ_LIMIT] = self.max_bytes
        return None

    def bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        limit = request.meta.get(READ_LIMIT)
        if limit is None:
            return
        read = request.meta[READ_SO_FAR] = request.meta.get(READ_SO_FAR, 0) + len(data)
        if read >= limit:
            raise StopDownload(fail=False)
