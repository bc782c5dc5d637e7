"""Which pages are rendered, and what a crawl installs for it; no browser is started here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from crawler.config import CrawlConfig
from crawler.rendering.guard import BrowserRequestGuard, same_site
from crawler.rendering.modes import RenderMode, find_chromium, mode_for, renderer_missing
from crawler.sites import SiteConfigError, load_sites

HANDLER = "crawler.rendering.dispatch.RenderingDownloadHandler"


def test_never_installs_nothing_of_the_browser() -> None:
    settings = CrawlConfig(render="never").scrapy_settings()
    assert settings["ARCHIVE_RENDER"] == "never"
    assert settings.getdict("DOWNLOAD_HANDLERS").get("http") != HANDLER
    assert "PLAYWRIGHT_LAUNCH_OPTIONS" not in settings


def test_auto_installs_the_handler_with_the_named_browser_and_deadline(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    config = CrawlConfig(render="auto", chromium=str(browser), render_timeout=7)
    settings = config.scrapy_settings()
    assert settings.getdict("DOWNLOAD_HANDLERS")["https"] == HANDLER
    assert settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")["executable_path"] == str(browser)
    assert settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT") == 7000
    assert settings.getfloat("ARCHIVE_RENDER_TIMEOUT") == 7


def test_a_site_of_its_own_mode_installs_the_handler_too() -> None:
    config = CrawlConfig(render="never", render_sites=(("planet", "always"),))
    assert config.scrapy_settings().getdict("DOWNLOAD_HANDLERS")["http"] == HANDLER
    assert mode_for("never", {"planet": "always"}, "planet") == RenderMode.ALWAYS
    assert mode_for("auto", {"planet": "never"}, "other") == RenderMode.AUTO
    assert mode_for("auto", {}, None) == RenderMode.AUTO


def test_a_named_browser_that_is_not_there_is_said_so() -> None:
    assert find_chromium("/nonexistent/chromium") is None
    missing = renderer_missing("/nonexistent/chromium")
    assert missing is not None
    assert "/nonexistent/chromium" in missing or "render extra" in missing


def test_sites_file_takes_a_render_mode_and_refuses_others(tmp_path: Path) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nname = "planet"\nfeeds = ["https://planet.example/rss"]\nrender = "always"\n'
    )
    assert load_sites(sites)[0].render == "always"
    sites.write_text(
        '[[site]]\nname = "planet"\nfeeds = ["https://planet.example/rss"]\nrender = "maybe"\n'
    )
    with pytest.raises(SiteConfigError, match=r"sites.toml:4: key 'render': must be one of"):
        load_sites(sites)


@pytest.mark.parametrize(
    ("host", "page_host", "same"),
    [
        ("news.example", "news.example", True),
        ("api.news.example", "www.news.example", True),
        ("ads.tracker.example", "www.news.example", False),
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.2", "127.0.0.1", False),
    ],
)
def test_same_site(host: str, page_host: str, same: bool) -> None:
    assert same_site(host, page_host) is same


def _refusal(guard: BrowserRequestGuard, url: str, kind: str, page: str | None) -> str | None:
    return asyncio.run(guard.refusal(url, kind, page, navigation=page is None))


def test_the_browser_fetches_only_the_page_s_site_and_no_media() -> None:
    async def public(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    guard = BrowserRequestGuard(allow_private_network=False, resolve=public)
    page = "https://www.news.example/story"
    assert _refusal(guard, page, "document", None) is None
    assert _refusal(guard, "https://api.news.example/story.json", "fetch", page) is None
    assert _refusal(guard, "https://www.news.example/photo.jpg", "image", page) == "media"
    assert _refusal(guard, "https://www.news.example/font.woff2", "font", page) == "media"
    assert _refusal(guard, "https://ads.example/pixel.js", "script", page) == "third_party"
    assert _refusal(guard, "file:///etc/passwd", "document", page) == "scheme"
    assert _refusal(guard, "data:text/plain,hello", "fetch", page) is None


def test_the_browser_reaches_no_private_address_unless_allowed() -> None:
    async def private(host: str, port: int) -> list[str]:
        return ["10.0.0.5"]

    strict = BrowserRequestGuard(allow_private_network=False, resolve=private)
    assert _refusal(strict, "http://intranet.example/", "document", None) == "private"
    assert _refusal(strict, "http://127.0.0.1:8080/", "document", None) == "private"
    allowed = BrowserRequestGuard(allow_private_network=True, resolve=private)
    assert _refusal(allowed, "http://127.0.0.1:8080/", "document", None) is None
