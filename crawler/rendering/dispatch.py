"""The crawl's http(s) download handler when pages may be rendered: Scrapy's own for every
request, and the browser's (``crawler.rendering.handler``) for those marked
``meta["playwright"]``, imported and built at the first of them.

Playwright takes about half a second to import; a crawl whose pages are all ordinary (the
usual case under ``--render auto``) therefore never imports it, let alone starts a browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

if TYPE_CHECKING:
    from crawler.rendering.handler import RenderHandler

__all__ = ["RenderingDownloadHandler"]


class RenderingDownloadHandler(HTTP11DownloadHandler):
    """HTTP/1.1 as usual; pages to render go to the browser handler, made on first use."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._render_crawler = crawler
        self._renderer: RenderHandler | None = None

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        if self._renderer is None:
            from crawler.rendering.handler import RenderHandler

            self._renderer = RenderHandler.from_crawler(self._render_crawler)
        response: Response = await self._renderer.download_request(request)
        return response

    async def close(self) -> None:
        if self._renderer is not None:
            await self._renderer.close()
        await super().close()
