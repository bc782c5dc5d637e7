"""One frozen configuration per command run, turned into Scrapy settings in one place."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from scrapy.settings import Settings

from storage import DEFAULT_DATABASE_URL


@dataclass(frozen=True)
class CrawlConfig:
    """What flags and environment decided; everything else comes from crawler/settings.py."""

    database_url: str = DEFAULT_DATABASE_URL
    track: bool = True
    delay: float | None = None
    contact: str | None = None
    extract_workers: int = 0
    extract_timeout: float | None = None
    keep_unchanged_bodies: bool = False
    allow_private_network: bool = False
    log_level: str = "WARNING"
    crawl_run_id: int | None = None
    extra_settings: tuple[tuple[str, Any], ...] = ()

    def with_settings(self, **settings: Any) -> CrawlConfig:
        """A copy with more Scrapy settings (per-site politeness, revisit policies, ...)."""
        return replace(self, extra_settings=(*self.extra_settings, *settings.items()))

    def scrapy_settings(self) -> Settings:
        settings = Settings()
        settings.setmodule("crawler.settings", priority="project")
        overrides: dict[str, object] = {
            "ARCHIVE_DATABASE_URL": self.database_url,
            "ARCHIVE_TRACK": self.track,
            "ARCHIVE_KEEP_UNCHANGED_BODIES": self.keep_unchanged_bodies,
            "ARCHIVE_EXTRACT_WORKERS": self.extract_workers,
            "ARCHIVE_ALLOW_PRIVATE_NETWORK": self.allow_private_network,
            "ARCHIVE_CRAWL_RUN_ID": self.crawl_run_id,
            "LOG_LEVEL": self.log_level,
            # The CLI owns logging: one stderr handler at the level -v chose.
            "LOG_INSTALL_ROOT_HANDLER": False,
        }
        if self.extract_timeout is not None:
            overrides["ARCHIVE_EXTRACT_TIMEOUT"] = self.extract_timeout
        if self.delay is not None:
            overrides["DOWNLOAD_DELAY"] = self.delay
            overrides["AUTOTHROTTLE_START_DELAY"] = self.delay
        if self.contact:
            from crawler import __version__

            overrides["USER_AGENT"] = (
                f"newsarchive/{__version__} (news archival crawler; +{self.contact})"
            )
        overrides.update(dict(self.extra_settings))
        settings.setdict(overrides, priority="cmdline")
        return settings
