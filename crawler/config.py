"""One frozen configuration per command run, turned into Scrapy settings in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from storage.defaults import (
    DEFAULT_DATABASE_URL,
    DEFAULT_SQLITE_BUSY_TIMEOUT,
    DEFAULT_SQLITE_MAX_PAGES,
)

if TYPE_CHECKING:
    from scrapy.settings import Settings

    from storage import Archive

# CrawlConfig fields that override a setting of crawler/settings.py when they are not None.
OPTIONAL_SETTINGS = {
    "download_timeout": "DOWNLOAD_TIMEOUT",
    "download_maxsize": "DOWNLOAD_MAXSIZE",
    "retry_times": "RETRY_TIMES",
    "extract_timeout": "ARCHIVE_EXTRACT_TIMEOUT",
    "extract_memory_mb": "ARCHIVE_EXTRACT_MEMORY_MB",
    "lease_seconds": "ARCHIVE_LEASE_SECONDS",
    "robotstxt_cache_seconds": "ARCHIVE_ROBOTSTXT_CACHE_SECONDS",
    "render_timeout": "ARCHIVE_RENDER_TIMEOUT",
}


@dataclass(frozen=True)
class CrawlConfig:
    """What flags and environment decided; everything else comes from crawler/settings.py.

    Fields left at None keep the default of crawler/settings.py.
    """

    database_url: str = DEFAULT_DATABASE_URL
    track: bool = True
    delay: float | None = None
    contact: str | None = None
    extract_workers: int = 0
    extract_timeout: float | None = None
    extract_memory_mb: int | None = None
    download_timeout: float | None = None
    download_maxsize: int | None = None
    retry_times: int | None = None
    lease_seconds: float | None = None
    robotstxt_cache_seconds: float | None = None
    sqlite_busy_timeout: float = DEFAULT_SQLITE_BUSY_TIMEOUT
    sqlite_max_pages: int = DEFAULT_SQLITE_MAX_PAGES
    keep_unchanged_bodies: bool = False
    allow_private_network: bool = False
    log_level: str = "WARNING"
    crawl_run_id: int | None = None
    render: str = "never"  # never, auto, always: the mode resolved by the command line
    render_sites: tuple[tuple[str, str], ...] = ()  # site scope -> its own mode (sites.toml)
    render_timeout: float | None = None
    chromium: str | None = None  # the browser to launch; None: found on PATH
    extra_settings: tuple[tuple[str, Any], ...] = ()

    def with_settings(self, **settings: Any) -> CrawlConfig:
        """A copy with more Scrapy settings (per-site politeness, revisit policies, ...)."""
        return replace(self, extra_settings=(*self.extra_settings, *settings.items()))

    def open_archive(
        self, url: str | None = None, *, auto_migrate: bool | None = None, read_only: bool = False
    ) -> Archive:
        """The archive at ``url`` (default: this config's), with this config's SQLite limits.

        ``read_only``: for commands that only read (see ``storage.open_archive``).
        """
        from storage.schema import open_archive  # SQLAlchemy: not for `--help` or `--version`

        return open_archive(
            url or self.database_url,
            auto_migrate=auto_migrate,
            busy_timeout=self.sqlite_busy_timeout,
            max_pages=self.sqlite_max_pages,
            read_only=read_only,
        )

    def scrapy_settings(self) -> Settings:
        # Imported here: the read-only commands build a CrawlConfig but never need Scrapy.
        from scrapy.settings import Settings

        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        overrides: dict[str, object] = {
            "ARCHIVE_DATABASE_URL": self.database_url,
            "ARCHIVE_SQLITE_BUSY_TIMEOUT": self.sqlite_busy_timeout,
            "ARCHIVE_SQLITE_MAX_PAGES": self.sqlite_max_pages,
            "ARCHIVE_TRACK": self.track,
            "ARCHIVE_KEEP_UNCHANGED_BODIES": self.keep_unchanged_bodies,
            "ARCHIVE_EXTRACT_WORKERS": self.extract_workers,
            "ARCHIVE_ALLOW_PRIVATE_NETWORK": self.allow_private_network,
            "ARCHIVE_CRAWL_RUN_ID": self.crawl_run_id,
            "LOG_LEVEL": self.log_level,
            # The CLI owns logging: one stderr handler at the level -v chose.
            "LOG_INSTALL_ROOT_HANDLER": False,
            # The CLI hands Scrapy its spider class: no spider modules to import and list (the
            # frontier spider's discovery imports cost an `archive` process ~70 ms of CPU).
            "SPIDER_LOADER_CLASS": "scrapy.spiderloader.DummySpiderLoader",
        }
        for field, name in OPTIONAL_SETTINGS.items():
            value = getattr(self, field)
            if value is not None:
                overrides[name] = value
        if self.delay is not None:
            overrides["DOWNLOAD_DELAY"] = self.delay
            overrides["AUTOTHROTTLE_START_DELAY"] = self.delay
        if self.contact:
            from crawler.settings import user_agent

            overrides["USER_AGENT"] = user_agent(self.contact)
        overrides.update(self._render_settings())
        overrides.update(dict(self.extra_settings))
        settings.setdict(overrides, priority="cmdline")
        return settings

    def _render_settings(self) -> dict[str, object]:
        """The render mode, and the browser's download handler when any page may be rendered."""
        settings: dict[str, object] = {
            "ARCHIVE_RENDER": self.render,
            "ARCHIVE_RENDER_SITES": dict(self.render_sites),
            "ARCHIVE_RENDER_CHROMIUM": self.chromium or "",
        }
        if all(mode == "never" for mode in (self.render, *dict(self.render_sites).values())):
            return settings
        from crawler.rendering.modes import find_chromium
        from crawler.rendering.settings import playwright_settings

        timeout = self.render_timeout if self.render_timeout is not None else 20.0
        settings.update(playwright_settings(find_chromium(self.chromium), timeout))
        return settings
