"""Never connect to loopback, private, link-local or metadata addresses unless allowed.

Every request, each redirect hop and every robots.txt fetch pass through here: the host is
resolved without blocking the reactor (the asyncio loop's ``getaddrinfo`` runs in a thread) and
the request is refused when *any* address it resolves to is not public. DNS rebinding (a name
that answers a public address here and a private one when the connection is made) is closed by
``crawler.middlewares.resolver.PublicOnlyResolver``, which checks the address the connection
actually uses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from crawler.middlewares.addresses import is_public
from crawler.middlewares.refused import RequestRefused
from storage.urls import strip_credentials

log = logging.getLogger(__name__)

Resolve = Callable[[str, int], Awaitable[list[str]]]


async def resolve_all(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, looked up off the reactor thread."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class PrivateNetworkMiddleware:
    """Refuses requests to non-public addresses (reason ``private_network``)."""

    def __init__(self, resolve: Resolve = resolve_all, stats: StatsCollector | None = None) -> None:
        self.resolve = resolve
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ARCHIVE_PRIVATE_NETWORK_GUARD_ENABLED", True):
            raise NotConfigured("ARCHIVE_PRIVATE_NETWORK_GUARD_ENABLED is off")
        if settings.getbool("ARCHIVE_ALLOW_PRIVATE_NETWORK"):
            raise NotConfigured  # allowed (--allow-private-network): nothing to guard, no noise
        return cls(stats=crawler.stats)

    async def process_request(self, request: Request) -> None:
        parsed = urlparse_cached(request)
        host = parsed.hostname or ""
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = await self.resolve(host, port)
            except OSError:
                return None  # unresolvable: the download fails with its own dns_error
        blocked = [a for a in addresses if not is_public(a)]
        if not blocked:
            return None
        if self.stats is not None:
            self.stats.inc_value("archive/private_network/refused")
        url = strip_credentials(request.url)
        message = (
            f"refused to connect to {host} ({blocked[0]}): a private or local network address "
            "(use --allow-private-network for intranet sites)"
        )
        log.warning("not fetching %s: %s", url, message)
        raise RequestRefused("private_network", message)
