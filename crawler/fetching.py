"""Turning Scrapy responses and failures into archive items (shared by every spider)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.python.failure import Failure

from crawler.items import FetchFailed, PageFetched
from storage.records import CaptureFailure, FetchedPage
from storage.timeutil import utcnow

# Statuses the spider wants to see instead of Scrapy dropping them (redirects stay automatic).
HANDLED_STATUSES = [304, *range(400, 600)]
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
    return Request(
        url,
        callback=callback,
        errback=errback,
        headers=headers or None,
        dont_filter=True,
        meta={"requested_url": url, "handle_httpstatus_list": HANDLED_STATUSES, **meta},
    )


def _headers(response: Response) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1").lower()
        headers[key] = b", ".join(values).decode("latin-1", "replace")
    return headers


def fetched_page(response: Response) -> FetchedPage:
    request = response.request
    meta = request.meta if request is not None else {}
    return FetchedPage(
        requested_url=meta.get("requested_url", response.url),
        final_url=response.url,
        fetched_at=utcnow(),
        http_status=response.status,
        headers=_headers(response),
        body=response.body,
        redirect_urls=tuple(meta.get("redirect_urls", ())),
    )


def is_html(response: Response) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    if content_type:
        return content_type.split(";")[0].strip() in HTML_TYPES
    return isinstance(response, TextResponse)


def item_for_response(response: Response) -> PageFetched | FetchFailed:
    page = fetched_page(response)
    meta = response.meta
    source, frontier_id = meta.get("source", "url"), meta.get("frontier_id")
    kind, scope = meta.get("kind", "article"), meta.get("scope")
    if response.status >= 400:
        failure = CaptureFailure(
            f"http_{response.status}", f"the server answered HTTP {response.status}"
        )
        return FetchFailed(page, failure, source, frontier_id, kind, scope)
    if response.status != 304 and not is_html(response):
        content_type = page.header("content-type") or "unknown"
        failure = CaptureFailure("not_html", f"not an HTML page (Content-Type: {content_type})")
        return FetchFailed(replace(page, body=None), failure, source, frontier_id, kind, scope)
    return PageFetched(page, source, frontier_id, scope)


def failure_reason(failure: Failure) -> CaptureFailure:
    """A machine-readable reason and a one-line message for a failed request."""
    value = failure.value
    message = str(value).strip().splitlines()[0] if str(value).strip() else type(value).__name__
    if isinstance(value, IgnoreRequest):
        if "robots.txt" in message:
            return CaptureFailure("robots_disallowed", "robots.txt forbids fetching this URL")
        if "redirections" in message:
            return CaptureFailure(
                "redirect_loop", "too many redirects (a loop or an endless chain)"
            )
        return CaptureFailure("ignored", message)
    if isinstance(value, HttpError):
        status = value.response.status
        return CaptureFailure(f"http_{status}", f"the server answered HTTP {status}")
    if isinstance(value, net_error.DNSLookupError):
        return CaptureFailure("dns_error", f"the host name could not be resolved: {message}")
    if isinstance(value, (net_error.TimeoutError, net_error.TCPTimedOutError)):
        return CaptureFailure("timeout", "the server did not answer in time")
    if isinstance(value, net_error.ConnectionRefusedError):
        return CaptureFailure("connection_refused", "the server refused the connection")
    if isinstance(value, net_error.ConnectionLost | net_error.ConnectionDone):
        return CaptureFailure(
            "connection_lost", "the connection broke before the page was complete"
        )
    if "download max size" in message or "maxsize" in message.lower():
        return CaptureFailure("too_large", message)
    return CaptureFailure("fetch_error", f"{type(value).__name__}: {message}")


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
        meta.get("kind", "article"),
        meta.get("scope"),
    )
