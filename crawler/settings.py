"""Scrapy settings for newsarchive; `scrapy.cfg` points here so Scrapy's own tools work too.

Custom settings carry the ARCHIVE_ prefix. Command-line flags and environment variables reach
them through ``crawler.config.CrawlConfig.scrapy_settings``; these are the defaults.
"""

from __future__ import annotations

import os

from crawler import __version__

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

CONTACT_URL = os.environ.get("NEWSARCHIVE_CONTACT", "https://github.com/newsarchive/newsarchive")
USER_AGENT = f"newsarchive/{__version__} (news archival crawler; +{CONTACT_URL})"

# Politeness: obey robots.txt (5xx or unreachable robots.txt means "disallow for now"),
# a per-host delay adapted by AutoThrottle, few parallel requests per host.
ROBOTSTXT_OBEY = True
ARCHIVE_ROBOTSTXT_MAX_BYTES = 512 * 1024
DOWNLOAD_DELAY = 0.25
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2

# Bounded fetches: a total deadline and a maximum size (after decompression).
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
METAREFRESH_MAXDELAY = 10
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]

# Only http and https are ever fetched.
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.CautiousRobotsTxtMiddleware": 100,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

ARCHIVE_ENABLED = True
ARCHIVE_DATABASE_URL = os.environ.get("NEWSARCHIVE_DB", "sqlite:///newsarchive.db")
ARCHIVE_TRACK = True
ARCHIVE_KEEP_UNCHANGED_BODIES = False
ARCHIVE_EXTRACT_WORKERS = 0  # 0: one worker process per CPU core
ARCHIVE_EXTRACT_TIMEOUT = 30.0
ARCHIVE_EXTRACT_MEMORY_MB = 1024
ARCHIVE_WRITE_BATCH_SIZE = 50
ARCHIVE_WRITE_BATCH_SECONDS = 0.2
ARCHIVE_CRAWL_RUN_ID = None
ARCHIVE_REVISIT_POLICIES: dict[str, dict[str, str]] = {}  # scope -> {"3h": "15m", ...}

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
