"""scrapy-playwright's download handler with a hard deadline, a size limit and a lazy start.

Installed for http and https only when pages may be rendered (``crawler.config``). Requests
without ``meta["playwright"]`` go to Scrapy's HTTP handler exactly as without it. Playwright's
driver and the browser are started at the first request that is rendered, never for a crawl
that renders nothing. Each rendering is bounded by ``ARCHIVE_RENDER_TIMEOUT`` seconds from
navigation to the last byte of the DOM; a page past it is closed (its renderer with it) and
the request fails with ``RenderFailed("render_timeout")``. Every Playwright error becomes a
``RenderFailed`` with a capture reason and one line (``crawler.fetching.failure_reason``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.fetching import SERVER_BODY_META
from crawler.rendering.errors import RenderFailed
from crawler.rendering.guard import BrowserRequestGuard
from storage.kinds import CaptureReason

__all__ = ["RenderHandler"]

log = logging.getLogger(__name__)
CLOSE_SECONDS = 5.0  # closing a page or the browser that does not answer is given up after this
NAVIGATION_EVENT_WAIT = 1.0  # seconds to learn where an aborted page was replaced to


class RenderHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """Renders requests marked ``meta["playwright"]`` in headless Chromium, within bounds."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.deadline = settings.getfloat("ARCHIVE_RENDER_TIMEOUT")
        self.maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        self.guard = BrowserRequestGuard(
            allow_private_network=settings.getbool("ARCHIVE_ALLOW_PRIVATE_NETWORK")
        )
        self.abort_request = self.guard
        # A page whose browser crashed is tried once more, in a new browser (not three times).
        self.config.target_closed_max_retries = 1
        self._started = False
        self._start_lock = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """Nothing at engine start: Playwright starts with the first page to render."""

    async def _start(self) -> None:
        async with self._start_lock:
            if not self._started:
                await self._launch()
                self._started = True

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        try:
            await self._start()
            response: Response = await super()._download_request(request, spider)
        except RenderFailed as known:
            self._count(f"failed/{known.reason}")
            raise
        except (PlaywrightError, OSError, RuntimeError) as error:
            mapped = _render_failed(error)
            self._count(f"failed/{mapped.reason}")
            raise mapped from error
        finally:
            for why, count in self.guard.aborted.items():
                self.stats.set_value(f"archive/render/blocked/{why}", count)
        if self.maxsize and len(response.body) > self.maxsize:
            self._count("failed/too_large")
            raise RenderFailed(
                CaptureReason.TOO_LARGE,
                f"the rendered page ({len(response.body):,} bytes) passed the maximum size "
                "(DOWNLOAD_MAXSIZE)",
            )
        self._count("pages")
        return response

    async def _create_page(self, request: Request, spider: Spider) -> Any:
        page = await super()._create_page(request=request, spider=spider)
        # Popups the page opens are closed at once: only the page itself is rendered.
        page.on("popup", lambda popup: asyncio.ensure_future(_close_quietly(popup)))
        return page

    async def _download_request_with_page(
        self, request: Request, page: Any, spider: Spider
    ) -> Response:
        navigations: list[str] = []  # the main frame's documents, redirects aside
        page.on("response", lambda answer: _note_navigation(page, answer, navigations))
        refused: list[str] = []  # the main frame's documents that were not loaded
        page.on("requestfailed", lambda asked: _note_navigation(page, asked, refused))
        started: list[str] = []  # every document the main frame asked for, in order
        page.on("request", lambda asked: _note_navigation(page, asked, started))
        try:
            async with asyncio.timeout(self.deadline):
                response: Response = await super()._download_request_with_page(
                    request, page, spider
                )
        except TimeoutError:
            await _close_quietly(page)  # a page whose scripts never stop: its renderer goes
            raise RenderFailed(
                "render_timeout",
                f"the page did not finish rendering within {self.deadline:g} s (--render-timeout)",
            ) from None
        if refused or not response.url.startswith(("http://", "https://")):
            where = await _where_it_moved(request.url, refused or [response.url], started)
            raise RenderFailed(
                "render_failed",
                f"the page's scripts moved on to {where} while it was rendered, which was not "
                "loaded (another site, or a failed load); not followed",
            )
        if len(navigations) > 1:
            raise RenderFailed(
                "render_failed",
                f"the page's scripts moved on to {navigations[-1]} while it was rendered "
                f"({len(navigations) - 1} navigation(s): a loop, or a move to another page; "
                "not followed)",
            )
        return response

    async def _get_response_and_download(
        self, request: Request, page: Any, spider: Spider
    ) -> tuple[Any, Any]:
        """Navigate as scrapy-playwright does, keeping the body the server sent for the page
        (``meta[SERVER_BODY_META]``) before its scripts change the DOM."""
        response, download = await super()._get_response_and_download(request, page, spider)
        if response is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_SECONDS):
                    body = await response.body()
                    if not self.maxsize or len(body) <= self.maxsize:
                        request.meta[SERVER_BODY_META] = body
        return response, download

    async def _close(self) -> None:
        if not self._started:
            return
        try:
            async with asyncio.timeout(CLOSE_SECONDS * 3):
                await super()._close()
        except TimeoutError:
            log.warning("the browser did not close in time; its driver is stopped instead")
            provider = getattr(self, "browser_provider", None)
            if provider is not None:
                with contextlib.suppress(Exception):
                    await provider.close()

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"archive/render/{key}")


def _note_navigation(page: Any, event: Any, urls: list[str]) -> None:
    """Record the URL of ``event`` (a response, or a failed request) if it is a document of
    the page's main frame; a redirect's answer is not one."""
    try:
        request = getattr(event, "request", event)
        if not request.is_navigation_request() or request.frame != page.main_frame:
            return
    except Exception:  # a worker's request, or a page closing
        return
    status = getattr(event, "status", None)
    if status is None or not 300 <= status < 400:
        urls.append(event.url)


async def _where_it_moved(own: str, refused: list[str], started: list[str]) -> str:
    """The document the page's scripts moved on to, for the error line.

    When a script replaces the page while it loads, the browser may report the page's own
    request as failed (aborted) before the event of the request that replaced it arrives; a
    short wait lets that event name the real destination (``NAVIGATION_EVENT_WAIT``).
    """
    deadline = asyncio.get_running_loop().time() + NAVIGATION_EVENT_WAIT
    while True:
        elsewhere = [url for url in (*started, *refused) if url != own]
        if elsewhere or asyncio.get_running_loop().time() >= deadline:
            return elsewhere[-1] if elsewhere else refused[-1]
        await asyncio.sleep(0.05)


async def _close_quietly(page: Any) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_SECONDS):
            await page.close(run_before_unload=False)


def _render_failed(error: BaseException) -> RenderFailed:
    """The capture reason and one line for a Playwright error."""
    text = str(getattr(error, "message", "") or error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    lowered = text.lower()
    if isinstance(error, PlaywrightTimeout):
        # Playwright's own navigation timeout (set to the same deadline); its log lines say
        # "navigating to ...", which is not a navigation loop.
        return RenderFailed("render_timeout", f"the page did not finish rendering in time: {first}")
    if "crash" in lowered:
        return RenderFailed("render_failed", "the browser crashed while rendering the page")
    if "closed" in lowered or "disconnected" in lowered:
        return RenderFailed(
            "render_failed", "the browser closed (crashed or was killed) while rendering the page"
        )
    if "execution context was destroyed" in lowered or "navigat" in lowered:
        return RenderFailed(
            "render_failed",
            f"the page kept navigating while it was rendered (a script loop?): {first}",
        )
    if "timeout" in lowered:
        return RenderFailed("render_timeout", f"the page did not finish rendering in time: {first}")
    if "net::err_" in lowered:
        return RenderFailed("render_failed", f"the browser could not load the page: {first}")
    return RenderFailed("render_failed", f"rendering failed: {first}")
