"""Turning Scrapy responses and failures into archive items (shared by every spider)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.python.failure import Failure

from crawler.items import FetchFailed, PageFetched
from crawler.middlewares.exchanges import capture_http
from crawler.middlewares.refused import RequestRefused
from crawler.middlewares.resolver import REFUSED_MARK
from crawler.middlewares.robots import UNREADABLE, RobotsUnreadable
from crawler.rendering.errors import RenderFailed
from storage.kinds import CaptureReason, FrontierKind
from storage.records import CaptureFailure, FetchedPage
from storage.timeutil import utcnow
from storage.urls import strip_credentials

# Statuses the spider wants to see instead of Scrapy dropping them (redirects stay automatic).
HANDLED_STATUSES = [304, *range(400, 600)]
# Request meta set by the renderer (crawler/rendering/handler.py): the body the server sent
# for a page that a browser then rendered; kept beside the rendered DOM (FetchedPage.server_body).
SERVER_BODY_META = "server_body"
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "text/plain")


def page_request(
    url: str,
    callback: Any,
    errback: Any,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    **meta: Any,
) -> Request:
    """A GET that reports every outcome to the spider; conditional when validators are known."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    url = strip_credentials(url)  # never sent, logged or stored
    return Request(
        url,
        callback=callback,
        errback=errback,
        headers=headers or None,
        dont_filter=True,
        meta={"requested_url": url, "handle_httpstatus_list": HANDLED_STATUSES, **meta},
    )


def follow_up_meta(
    shell: PageFetched, stands_for: str, hint: str, redirect_urls: list[str]
) -> dict[str, Any]:
    """Meta of a request fetched in place of ``shell``, a page found to need JavaScript.

    Its AMP version (crawler/amp.py) or its rendering (crawler/rendering): an ordinary article
    request of the shell's source, frontier row and scope, recorded as the shell's capture
    (under the shell's requested URL, after ``redirect_urls``). ``meta[stands_for]`` holds the
    shell and ``hint``, why it needs JavaScript.
    """
    return {
        "source": shell.source,
        "frontier_id": shell.frontier_id,
        "scope": shell.scope,
        "kind": FrontierKind.ARTICLE,
        "requested_url": shell.page.requested_url,
        "redirect_urls": redirect_urls,
        stands_for: (shell, hint),
    }


def _headers(response: Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1").lower()
        headers[key] = b", ".join(values).decode("latin-1", "replace")
    return headers


def fetched_page(response: Response) -> FetchedPage:
    request = response.request
    meta = request.meta if request is not None else {}
    server_body = meta.get(SERVER_BODY_META) if "playwright" in response.flags else None
    # The body is hashed once, here: the exchange's payload digest and the stored body's key.
    digest = hashlib.sha256(response.body).hexdigest()
    page = FetchedPage(
        requested_url=meta.get("requested_url", response.url),
        final_url=response.url,
        fetched_at=utcnow(),
        http_status=response.status,
        headers=_headers(response),
        body=response.body,
        redirect_urls=tuple(meta.get("redirect_urls", ())),
        http=capture_http(response, response.body, digest),
        server_body=server_body if isinstance(server_body, bytes) else None,
    )
    page.note_body_sha256(digest)
    return page


def is_html(response: Response) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if content_type:
        return content_type.split(";")[0].strip() in HTML_TYPES
    return isinstance(response, TextResponse)


def item_for_response(response: Response) -> PageFetched | FetchFailed:
    page = fetched_page(response)
    meta = response.meta
    source, frontier_id = meta.get("source", "url"), meta.get("frontier_id")
    kind, scope = meta.get("kind", FrontierKind.ARTICLE), meta.get("scope")
    if response.status >= 400:
        failure = CaptureFailure(
            f"http_{response.status}", f"the server answered HTTP {response.status}"
        )
        return FetchFailed(page, failure, source, frontier_id, kind, scope)
    if response.status != 304 and not is_html(response):
        content_type = page.header("content-type") or "unknown"
        failure = CaptureFailure("not_html", f"not an HTML page (Content-Type: {content_type})")
        return FetchFailed(replace(page, body=None), failure, source, frontier_id, kind, scope)
    rendered = "playwright" in response.flags  # the DOM a browser rendered (crawler/rendering)
    return PageFetched(page, source, frontier_id, scope, rendered=rendered)


def failure_reason(failure: Failure) -> CaptureFailure:
    """A machine-readable reason and a one-line message for a failed request."""
    value = failure.value
    text = str(value).strip()
    message = text.splitlines()[0] if text else type(value).__name__
    if isinstance(value, RequestRefused | RenderFailed):
        return CaptureFailure(value.reason, value.message)
    if isinstance(value, RobotsUnreadable) and value.cause is not None:
        return _robots_fetch_failed(value.cause)
    if isinstance(value, HttpError):  # an IgnoreRequest too: test it first
        status = value.response.status
        if 300 <= status < 400:  # a redirect Scrapy would not follow: not http(s)
            return _refused_redirect(value.response)
        return CaptureFailure(f"http_{status}", f"the server answered HTTP {status}")
    if isinstance(value, IgnoreRequest):
        return _ignored_reason(message)
    if isinstance(value, ValueError) and "request url" in message.lower():
        # A Location (or meta refresh) that is not a URL at all, e.g. javascript:...
        return CaptureFailure("redirect_refused", f"redirect to an unusable URL: {message}")
    if isinstance(value, CannotResolveHostError | net_error.DNSLookupError):
        if REFUSED_MARK in message:
            return CaptureFailure(
                "private_network", f"refused to connect to a private network address: {message}"
            )
        return CaptureFailure("dns_error", f"the host name could not be resolved: {message}")
    if isinstance(
        value, DownloadTimeoutError | net_error.TimeoutError | net_error.TCPTimedOutError
    ):
        return CaptureFailure("timeout", "the server did not send the whole page in time")
    if isinstance(value, DownloadCancelledError):
        # Scrapy cancels a download only when the body passes DOWNLOAD_MAXSIZE.
        return CaptureFailure(
            "too_large", "the response passed the maximum size (DOWNLOAD_MAXSIZE)"
        )
    if isinstance(value, DownloadConnectionRefusedError | net_error.ConnectionRefusedError):
        return CaptureFailure("connection_refused", "the server refused the connection")
    if isinstance(value, ResponseDataLossError):
        return CaptureFailure(
            CaptureReason.TRUNCATED_BODY,
            "the connection closed before the body the server announced was complete",
        )
    if isinstance(value, DownloadFailedError):
        return CaptureFailure("bad_response", f"the server sent a malformed response: {message}")
    if isinstance(value, net_error.ConnectionLost | net_error.ConnectionDone):
        return CaptureFailure(
            "connection_lost", "the connection broke before the page was complete"
        )
    if "download max size" in message or "maxsize" in message.lower():
        return CaptureFailure("too_large", message)
    return CaptureFailure("fetch_error", f"{type(value).__name__}: {message}")


def _robots_fetch_failed(cause: BaseException) -> CaptureFailure:
    """The reason a page was not fetched when fetching its robots.txt failed: that failure's.

    A host that refuses connections or does not resolve is ``connection_refused`` or
    ``dns_error``, not ``robots_unavailable``: robots.txt is just the first thing asked of it.
    """
    underlying = failure_reason(Failure(cause))
    if underlying.reason in ("fetch_error", "ignored"):
        return CaptureFailure(
            "robots_unavailable", f"robots.txt could not be read ({underlying.message})"
        )
    return CaptureFailure(underlying.reason, f"{underlying.message} (asking for robots.txt)")


def _refused_redirect(response: Response) -> CaptureFailure:
    target = (response.headers.get(b"Location") or b"").decode("latin-1")
    scheme = target.split(":", 1)[0][:20] if ":" in target else "an unusable"
    return CaptureFailure(
        "redirect_refused", f"redirect to a {scheme}: URL not followed (only http and https)"
    )


def _ignored_reason(message: str) -> CaptureFailure:
    if UNREADABLE in message:
        return CaptureFailure(
            "robots_unavailable",
            "robots.txt could not be read (a server error or no answer): not fetched until it can",
        )
    if "robots.txt" in message:
        return CaptureFailure("robots_disallowed", "robots.txt forbids fetching this URL")
    if "redirections" in message:
        return CaptureFailure("redirect_loop", "too many redirects (a loop or an endless chain)")
    if "DOWNLOAD_MAXSIZE" in message:  # HttpCompressionMiddleware: a decompression bomb
        return CaptureFailure(
            "too_large", "the response passed the maximum size (DOWNLOAD_MAXSIZE) when decompressed"
        )
    return CaptureFailure("ignored", message)


def item_for_failure(failure: Failure) -> FetchFailed:
    request = getattr(failure, "request", None)
    meta = request.meta if request is not None else {}
    url = meta.get("requested_url", request.url if request is not None else "")
    page = FetchedPage(requested_url=url, final_url=None, fetched_at=utcnow())
    return FetchFailed(
        page,
        failure_reason(failure),
        meta.get("source", "url"),
        meta.get("frontier_id"),
        meta.get("kind", FrontierKind.ARTICLE),
        meta.get("scope"),
    )
