"""Waiting for the article to appear in the rendered page, not just for ``load``.

A page filled by ``fetch()`` is complete some time after ``load``; one that polls forever
never reaches network idle. The wait ends at the first of: the page's text passes the shell
threshold (``crawler.extraction.shells.SHELL_TEXT_CHARS``), the network has been idle, or
``settle`` seconds; then the DOM is read as it is, and extraction decides what it holds.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from crawler.extraction.shells import SHELL_TEXT_CHARS

__all__ = ["ARTICLE_READY_JS", "wait_for_article"]

# True once the page shows as much text as a page that is not a shell.
ARTICLE_READY_JS = "() => !!document.body && (document.body.innerText || '').length >= " + str(
    SHELL_TEXT_CHARS
)


async def wait_for_article(page: Any, settle: float) -> None:
    """Return when the article has appeared, the network is idle, or ``settle`` seconds passed.

    Never raises for a page that stays short: the DOM is then read as it is.
    """
    timeout_ms = max(settle, 0.1) * 1000
    waits = [
        asyncio.ensure_future(
            page.wait_for_function(ARTICLE_READY_JS, polling=250, timeout=timeout_ms)
        ),
        asyncio.ensure_future(page.wait_for_load_state("networkidle", timeout=timeout_ms)),
    ]
    try:
        pending = set(waits)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if any(task.exception() is None for task in done):
                return  # one of the two conditions came true
    finally:
        for task in waits:
            task.cancel()
        for task in waits:
            with contextlib.suppress(BaseException):
                await task
