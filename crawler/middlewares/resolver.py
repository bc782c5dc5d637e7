"""The reactor's DNS resolver, refusing private answers: no DNS rebinding past the guard.

``PrivateNetworkMiddleware`` checks a request's host before it is queued; this resolver checks
the address the connection is then made to, so a name that resolves to a public address first
and to 127.0.0.1 a moment later still cannot reach a local service.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.middlewares.addresses import is_public

REFUSED_MARK = "private network address refused"


class PublicOnlyResolver(CachingThreadedResolver):
    """Like Scrapy's default resolver, but a private answer fails the lookup."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, *, allow_private: bool):
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            settings.getfloat("DNS_TIMEOUT"),
            allow_private=settings.getbool("ARCHIVE_ALLOW_PRIVATE_NETWORK"),
        )

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        lookup = super().getHostByName(name, timeout)
        if self.allow_private:
            return lookup
        return lookup.addCallback(self._refuse_private, name)

    def _refuse_private(self, address: str, name: str) -> str:
        if not is_public(address):
            raise DNSLookupError(f"{name} resolves to {address}: {REFUSED_MARK}")
        return address
