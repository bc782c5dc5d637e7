"""Which of the browser's own requests may go out: the page's site only, no heavy media,
and no private address unless the crawl allows it.

scrapy-playwright asks ``BrowserRequestGuard`` about every request the page makes (its
``PLAYWRIGHT_ABORT_REQUEST`` hook); True aborts it. Scripts, styles, XHR/fetch and documents of
the page's own site go out; images, media and fonts never do (the text is what is archived);
other sites' requests (ads, analytics, embeds) never do either. The private-network rule is
the crawl's: each host is resolved and refused when any address is not public, as
``crawler.middlewares.network`` does for Scrapy's own requests.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from crawler.middlewares.addresses import is_public
from crawler.middlewares.network import Resolve, resolve_all

__all__ = ["BLOCKED_RESOURCE_TYPES", "BrowserRequestGuard", "same_site"]

BLOCKED_RESOURCE_TYPES = frozenset({"image", "media", "font", "imageset", "texttrack"})


def same_site(host: str, page_host: str) -> bool:
    """True when ``host`` belongs to the page's site: the same host, or both under the same
    last two labels (www.example.com and api.example.com). IP addresses must match exactly."""
    host, page_host = host.lower().rstrip("."), page_host.lower().rstrip(".")
    if host == page_host:
        return True
    if _is_ip(host) or _is_ip(page_host):
        return False
    return host.split(".")[-2:] == page_host.split(".")[-2:] and host.count(".") >= 1


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class BrowserRequestGuard:
    """The abort predicate for the browser's requests of one crawl (True: abort)."""

    def __init__(self, *, allow_private_network: bool, resolve: Resolve = resolve_all) -> None:
        self.allow_private_network = allow_private_network
        self.resolve = resolve
        self.aborted: dict[str, int] = {}  # why -> how many (stats)

    async def __call__(self, request: Any) -> bool:
        why = await self.refusal(
            request.url, request.resource_type, _page_url(request), request.is_navigation_request()
        )
        if why is not None:
            self.aborted[why] = self.aborted.get(why, 0) + 1
        return why is not None

    async def refusal(
        self, url: str, resource_type: str, page_url: str | None, navigation: bool
    ) -> str | None:
        """Why a request is refused (``media``, ``scheme``, ``third_party``, ``private``)."""
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return None  # nothing leaves the browser
        if parts.scheme not in ("http", "https"):
            return "scheme"
        if resource_type in BLOCKED_RESOURCE_TYPES:
            return "media"
        host = parts.hostname or ""
        page_host = urlsplit(page_url).hostname if page_url else None
        if page_host and not same_site(host, page_host) and not (navigation and not page_url):
            return "third_party"
        if not self.allow_private_network and not await self._public(host, parts.port, parts):
            return "private"
        return None

    async def _public(self, host: str, port: int | None, parts: Any) -> bool:
        try:
            return is_public(str(ipaddress.ip_address(host.strip("[]"))))
        except ValueError:
            pass
        try:
            addresses = await self.resolve(host, port or (443 if parts.scheme == "https" else 80))
        except OSError:
            return True  # unresolvable: the browser's own request fails
        return all(is_public(address) for address in addresses)


def _page_url(request: Any) -> str | None:
    """The URL of the page the request is made for; None for the page's own first request."""
    try:
        url = request.frame.page.main_frame.url
    except Exception:  # a request of a worker, or of a closed page
        return None
    return url if isinstance(url, str) and url.startswith("http") else None
