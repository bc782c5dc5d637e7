"""The Scrapy settings that install the renderer: scrapy-playwright's handler and its options."""

from __future__ import annotations

__all__ = ["CHROMIUM_ARGS", "playwright_settings"]

RENDER_PAGES = 2  # pages rendered at once: one browser, one context, this many tabs
HANDLER = "crawler.rendering.dispatch.RenderingDownloadHandler"
# Headless, no GPU, /dev/shm not relied on (containers give it 64 MB), nothing beyond the page.
CHROMIUM_ARGS = (
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--mute-audio",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-sync",
    "--blink-settings=imagesEnabled=false",
    # Fewer processes: at most two renderers, sites not isolated in processes of their own
    # (one site's pages are rendered, nothing is logged in, popups are closed).
    "--renderer-process-limit=2",
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,Translate,MediaRouter,OptimizationHints",
)


def playwright_settings(chromium: str | None, timeout: float) -> dict[str, object]:
    """Settings for a crawl whose pages may be rendered with the browser at ``chromium``.

    ``chromium`` None launches Playwright's own Chromium (``playwright install chromium``).
    """
    launch: dict[str, object] = {"headless": True, "args": list(CHROMIUM_ARGS)}
    if chromium:
        launch["executable_path"] = chromium
    return {
        "DOWNLOAD_HANDLERS": {
            "http": HANDLER,
            "https": HANDLER,
            "file": None,
            "s3": None,
            "ftp": None,
            "data": None,
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout * 1000,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_CONTEXTS": {},
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": RENDER_PAGES,
    }
