"""Whether a page is rendered (never, auto, always) and where the browser is (no Playwright)."""

from __future__ import annotations

import importlib.util
import shutil
from enum import StrEnum
from pathlib import Path

__all__ = [
    "INSTALL_HINT",
    "RenderMode",
    "find_chromium",
    "renderer_missing",
]

INSTALL_HINT = (
    "pip install 'newsarchive[render]' and a Chromium (Debian: apt-get install chromium; "
    "or point NEWSARCHIVE_CHROMIUM at one)"
)
# Looked for in this order on PATH when no browser is named (Debian, Ubuntu, Google's).
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
# Where `playwright install chromium` puts its browser (newest build first when several).
PLAYWRIGHT_CHROMIUM = ".cache/ms-playwright/chromium-*/chrome-linux*/chrome"


class RenderMode(StrEnum):
    """``--render``: which pages are rendered in a browser."""

    NEVER = "never"  # none: a shell with nothing to recover stays needs_javascript
    AUTO = "auto"  # only a shell that nothing recovered without a browser
    ALWAYS = "always"  # every article page


def find_chromium(explicit: str | None = None) -> str | None:
    """The Chromium to launch: ``explicit`` if given, else Playwright's own (``playwright
    install chromium``) if there, else the first on PATH; None: none.

    An explicit path that is not an executable file is not replaced by another browser.
    """
    if explicit:
        path = Path(explicit)
        if path.is_file():
            return str(path)
        return shutil.which(explicit)
    own = sorted(Path.home().glob(PLAYWRIGHT_CHROMIUM), reverse=True)
    if own:
        return str(own[0])
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def renderer_missing(explicit_chromium: str | None = None) -> str | None:
    """Why pages cannot be rendered here (one clause), or None when they can."""
    if importlib.util.find_spec("scrapy_playwright") is None:
        return "the render extra is not installed"
    if find_chromium(explicit_chromium) is None:
        if explicit_chromium:
            return f"no browser at {explicit_chromium}"
        return "no Chromium found (looked for " + ", ".join(CHROMIUM_NAMES) + ")"
    return None


def mode_for(mode: str, by_site: dict[str, str], scope: str | None) -> str:
    """The render mode of a page of site ``scope``: the site's own, else the crawl's."""
    if scope is not None and scope in by_site:
        return by_site[scope]
    return mode
