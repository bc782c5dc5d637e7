"""How the render handler names what went wrong: the reason and the URL a user reads."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("scrapy_playwright")

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from crawler.rendering.handler import _render_failed, _where_it_moved

PAGE = "http://127.0.0.1:8000/away.html"


def test_playwright_timeout_is_a_timeout_even_when_its_log_says_navigating() -> None:
    error = PlaywrightTimeout(
        'Timeout 10000ms exceeded.\n=== logs ===\nnavigating to "http://x/spin.html", '
        'waiting until "load"'
    )
    assert _render_failed(error).reason == "render_timeout"


def test_a_navigation_loop_is_a_failed_render() -> None:
    error = PlaywrightError("Execution context was destroyed, most likely because of a navigation")
    assert _render_failed(error).reason == "render_failed"


def test_the_destination_is_named_even_when_the_page_itself_was_aborted_first() -> None:
    started = [PAGE]

    async def later() -> str:
        async def arrives() -> None:
            await asyncio.sleep(0.1)
            started.append("http://elsewhere.invalid/story")

        task = asyncio.ensure_future(arrives())
        where = await _where_it_moved(PAGE, [PAGE], started)
        await task
        return where

    assert asyncio.run(later()) == "http://elsewhere.invalid/story"


def test_the_page_itself_is_named_when_nothing_else_was_asked_for() -> None:
    assert asyncio.run(_where_it_moved(PAGE, [PAGE], [PAGE])) == PAGE


def test_a_non_web_address_is_named_at_once() -> None:
    assert asyncio.run(_where_it_moved(PAGE, ["about:blank"], [PAGE])) == "about:blank"


def test_the_destination_is_named_when_the_page_itself_is_reported_aborted_last() -> None:
    # The order Chromium reports a page whose script moves on while the page still loads:
    # the destination is refused first, then the page's own load is aborted.
    elsewhere = "http://elsewhere.invalid/story"
    assert asyncio.run(_where_it_moved(PAGE, [elsewhere, PAGE], [PAGE, elsewhere])) == elsewhere
