"""Get a crawl process ready before its round is due: imports and the extraction fork server.

A round started from cron pays about a second and a half before its first request: Python
imports Scrapy, Twisted, SQLAlchemy and our modules, Scrapy loads every component named in
the settings, and the first page to extract waits for the extraction workers' fork server to
import trafilatura. The long-running ``schedule`` starts each round's process ahead of time
(``schedule --once --standby``), does all of that while the round is not yet due, and only then
tells it to go, so a round costs its crawl, not its process start.
"""

from __future__ import annotations

import logging

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

log = logging.getLogger(__name__)

# Settings that map class paths to orders. Scrapy imports every path named there, even one
# switched off with None (it compares keys as classes), so the warm-up imports them all.
_COMPONENT_SETTINGS = (
    "DOWNLOADER_MIDDLEWARES",
    "SPIDER_MIDDLEWARES",
    "EXTENSIONS",
    "ITEM_PIPELINES",
)
# Settings that name one class each.
_CLASS_SETTINGS = (
    "SCHEDULER",
    "SCHEDULER_PRIORITY_QUEUE",
    "SCHEDULER_MEMORY_QUEUE",
    "DUPEFILTER_CLASS",
    "STATS_CLASS",
    "REQUEST_FINGERPRINTER_CLASS",
    "DOWNLOADER",
    "DOWNLOADER_CLIENTCONTEXTFACTORY",
    "TWISTED_DNS_RESOLVER",
    "LOG_FORMATTER",
    "ROBOTSTXT_PARSER",
)


def import_crawl_components(settings: BaseSettings) -> int:
    """Import every class the settings name for a crawl; returns how many were imported."""
    paths: set[str] = set()
    for name in _COMPONENT_SETTINGS:
        paths.update(path for path in settings.getwithbase(name) if isinstance(path, str))
    # Download handlers map a URL scheme to a class path.
    handlers = settings.getwithbase("DOWNLOAD_HANDLERS")
    paths.update(path for path in handlers.values() if isinstance(path, str))
    paths.update(settings[name] for name in _CLASS_SETTINGS if isinstance(settings[name], str))
    imported = 0
    for path in sorted(p for p in paths if "." in p):
        try:
            load_object(path)
        except Exception as error:  # the crawl itself reports a broken component
            log.debug("warm-up could not import %s: %s", path, error)
            continue
        imported += 1
    return imported


def warm_up_crawl(settings: BaseSettings) -> None:
    """Import what the crawl will use and start the extraction workers' fork server."""
    import crawler.crawling  # noqa: F401  (the spiders, the pipeline, Scrapy's crawler)
    from crawler.extraction.pool import start_fork_server

    import_crawl_components(settings)
    try:
        start_fork_server()
    except RuntimeError as error:  # the crawl starts its workers itself and reports it
        log.warning("extraction workers could not be started ahead: %s", error)
