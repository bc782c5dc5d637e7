"""Note each HTTP exchange of a fetch as it was on the wire, redirect hops included.

Placed after RedirectMiddleware (600) and HttpCompressionMiddleware (590) in the download
direction, so it sees every response first: a redirect answer before it is followed, a body's
Content-Encoding before it is unpacked. Each exchange (URL, protocol, status, request and
response heads, time) is appended to ``request.meta["archive_exchanges"]``, a list that redirected
and retried requests share; ``crawler.fetching`` turns it into the capture's ``CaptureHttp``.
"""

from __future__ import annotations

import hashlib
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response

from storage.capture_http import CaptureHttp, Header, HttpHop, cap_head
from storage.timeutil import parse_instant, utcnow

META_KEY = "archive_exchanges"


def _pairs(headers: Headers) -> list[Header]:
    pairs: list[Header] = []
    for name, values in headers.items():
        key = name.decode("latin-1")
        pairs.extend((key, value.decode("latin-1", "replace")) for value in values)
    return pairs


class HttpExchangeMiddleware:
    """Appends what went over the wire for each response to the request's meta."""

    def __init__(self, enabled: bool = True) -> None:
        if not enabled:
            raise NotConfigured("ARCHIVE_HTTP_EXCHANGES_ENABLED is off")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getbool("ARCHIVE_HTTP_EXCHANGES_ENABLED", True))

    def process_response(self, request: Request, response: Response) -> Response:
        exchanges = request.meta.setdefault(META_KEY, [])
        exchanges.append(
            {
                "url": response.url,
                "status": response.status,
                "protocol": response.protocol or "HTTP/1.1",
                "method": request.method,
                "request": _pairs(request.headers),
                "response": _pairs(response.headers),
                "at": utcnow().isoformat(),
            }
        )
        return response


def capture_http(
    response: Response, body: bytes | None, body_sha256: str | None = None
) -> CaptureHttp | None:
    """The capture's exchange: the last one noted for ``response`` and the redirects before it.

    ``body_sha256``, the sha256 of ``body`` when the caller has it, is not computed again.
    """
    request = response.request
    exchanges: list[dict[str, Any]] = request.meta.get(META_KEY, []) if request else []
    if not exchanges:
        return None
    final = exchanges[-1]
    redirected = set(request.meta.get("redirect_urls", ())) if request else set()
    hops = []
    for exchange in exchanges[:-1]:
        if exchange["url"] in redirected and 300 <= exchange["status"] < 400:
            headers, _ = cap_head(exchange["response"])
            request_headers, _ = cap_head(exchange["request"])
            hops.append(
                HttpHop(
                    url=exchange["url"],
                    status=exchange["status"],
                    headers=headers,
                    fetched_at=parse_instant(exchange["at"]),
                    request_headers=request_headers,
                    protocol=exchange["protocol"],
                )
            )
    request_headers, cut_request = cap_head(final["request"])
    response_headers, cut_response = cap_head(final["response"])
    return CaptureHttp(
        protocol=final["protocol"],
        method=final["method"],
        request_headers=request_headers,
        response_headers=response_headers,
        hops=tuple(hops),
        payload_sha256=(
            (body_sha256 or hashlib.sha256(body).hexdigest())
            if body is not None and response.status != 304
            else None
        ),
        truncated=cut_request or cut_response,
    )
