"""Rendering requests: the meta that sends a request to the browser, and ``--render auto``'s
follow-up for a shell that nothing recovered without a browser.

The follow-up is an ordinary page request of the crawl (robots.txt, politeness, the private
network guard and the frontier lease apply), sent to the same URL with ``meta["playwright"]``.
Its answer is recorded as the shell's capture: the raw body kept is the rendered DOM, the
server's own answer is kept beside it (``FetchedPage.server_body``), and the version records
``body_source = "rendered"``. A rendering that fails gives a capture with the rendering's
reason (``render_timeout``, ``render_failed``, ``too_large``) and no version.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fetching import failure_reason, follow_up_meta, item_for_response, page_request
from crawler.items import FetchFailed, PageFetched
from crawler.rendering.waiting import wait_for_article
from storage.kinds import CaptureReason
from storage.records import CaptureFailure

__all__ = ["RENDER_META", "render_meta", "render_request"]

RENDER_META = "render_of"  # request meta: the shell's item this rendering stands in for
RENDER_CONTEXT = "render"  # the one browser context of a crawl


def render_meta(settle: float) -> dict[str, Any]:
    """The request meta that has scrapy-playwright render a page and wait for its article."""
    from scrapy_playwright.page import PageMethod  # the render extra: only when rendering

    return {
        "playwright": True,
        "playwright_context": RENDER_CONTEXT,
        # No downloads, no service workers (they would outlive the page and fetch on their own).
        "playwright_context_kwargs": {"accept_downloads": False, "service_workers": "block"},
        "playwright_page_methods": [PageMethod(wait_for_article, settle)],
    }


def render_request(shell: PageFetched, hint: str, settle: float) -> Request:
    """The request that renders ``shell`` (a page found to need JavaScript) in the browser."""
    page = shell.page
    meta = follow_up_meta(shell, RENDER_META, hint, list(page.redirect_urls))
    url = page.final_url or page.requested_url
    return page_request(url, _rendered, _not_rendered, **meta, **render_meta(settle))


def _rendered(response: Response) -> Iterator[PageFetched | FetchFailed]:
    shell, hint = response.meta[RENDER_META]
    item = item_for_response(response)
    if isinstance(item, PageFetched) and response.status < 300:
        if item.page.server_body is None and shell.page.body:
            # The browser's own copy of the server's answer was not read: the crawler's is it.
            item = replace(item, page=replace(item.page, server_body=shell.page.body))
        yield item
        return
    message = f"{hint}; rendering it answered HTTP {response.status}"
    yield shell.failed(CaptureFailure(CaptureReason.NEEDS_JAVASCRIPT, message))


def _not_rendered(failure: Failure) -> Iterator[FetchFailed]:
    request = getattr(failure, "request", None)
    if request is None or RENDER_META not in request.meta:
        return
    shell, _hint = request.meta[RENDER_META]
    reason = failure_reason(failure)
    message = f"an app shell, and rendering it in a browser failed: {reason.message}"
    yield shell.failed(CaptureFailure(reason.reason, message))
