"""The AMP follow-up: a shell's article fetched from the AMP version it links to.

When extraction finds an app shell (``NeedsJavaScript``) that names its AMP version with
``<link rel="amphtml">``, the archive pipeline asks the engine for that URL with the request
built here. It is an ordinary page request, so the frontier lease, robots.txt, politeness,
size limits and the private-network guard apply to it as to any other. Its answer becomes the
shell's capture: requested URL the shell's, final URL (the capture's source) the AMP page's,
and the version records ``body_source = "amp"``. An AMP page that cannot be fetched leaves the
shell's ``needs_javascript`` capture, with why in its message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.fetching import failure_reason, follow_up_meta, item_for_response, page_request
from crawler.items import FetchFailed, PageFetched
from storage.kinds import CaptureReason
from storage.records import CaptureFailure

__all__ = ["AMP_META", "amp_request"]

AMP_META = "amp_of"  # request meta: the shell's item this AMP request stands in for
RENDER_AFTER = "render_after_amp"  # request meta: render the shell if its AMP page fails


def amp_request(
    shell: PageFetched, amp_url: str, hint: str, render_settle: float | None = None
) -> Request:
    """The request for the AMP version of ``shell`` (a page found to need JavaScript).

    ``render_settle`` given (``--render auto|always``): an AMP page that cannot be fetched
    sends the shell to the browser instead (crawler/rendering).
    """
    page = shell.page
    # Recorded under the shell's URL: the AMP URL becomes the capture's final URL.
    hops = [u for u in (page.final_url, *page.redirect_urls) if u]
    meta = follow_up_meta(shell, AMP_META, hint, hops) | {RENDER_AFTER: render_settle}
    return page_request(amp_url, _amp_answered, _amp_failed, **meta)


def _amp_answered(response: Response) -> Iterator[PageFetched | FetchFailed | Request]:
    shell, hint = response.meta[AMP_META]
    item = item_for_response(response)
    if isinstance(item, PageFetched) and response.status < 300:
        yield replace(item, amp=True)
        return
    message = f"{hint}; fetching it answered HTTP {response.status}"
    yield _instead(shell, message, response.meta.get(RENDER_AFTER))


def _amp_failed(failure: Failure) -> Iterator[FetchFailed | Request]:
    request = getattr(failure, "request", None)
    if request is None or AMP_META not in request.meta:
        return
    shell, hint = request.meta[AMP_META]
    reason = failure_reason(failure)
    message = f"{hint}; fetching it failed: {reason.reason}"
    yield _instead(shell, message, request.meta.get(RENDER_AFTER))


def _instead(
    shell: PageFetched, message: str, render_settle: float | None
) -> FetchFailed | Request:
    """The shell rendered in the browser when rendering is on, else its needs_javascript."""
    if render_settle is None:
        return shell.failed(CaptureFailure(CaptureReason.NEEDS_JAVASCRIPT, message))
    from crawler.rendering.requests import render_request

    return render_request(shell, message, render_settle)
