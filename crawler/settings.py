"""Scrapy settings for newsarchive; `scrapy.cfg` points here so Scrapy's own tools work too.

Custom settings carry the ARCHIVE_ prefix. These are the defaults, and nothing here reads the
environment: the `newsarchive` command line reads its flags and NEWSARCHIVE_* variables once
(click ``envvar=``, crawler/cli/options.py), builds a frozen ``crawler.config.CrawlConfig``, and
``CrawlConfig.scrapy_settings`` lays it over this module. Scrapy's own tools take ``-s NAME=VALUE``.

Environment variable (flag)                       setting
  NEWSARCHIVE_DB (--db)                             ARCHIVE_DATABASE_URL
  NEWSARCHIVE_ALLOW_PRIVATE_NETWORK (--allow-...)   ARCHIVE_ALLOW_PRIVATE_NETWORK
  NEWSARCHIVE_CONTACT (--contact)                   USER_AGENT (its contact URL)
  NEWSARCHIVE_DOWNLOAD_TIMEOUT (--download-timeout) DOWNLOAD_TIMEOUT
  NEWSARCHIVE_DOWNLOAD_MAXSIZE (--download-maxsize) DOWNLOAD_MAXSIZE
  NEWSARCHIVE_RETRY_TIMES (--retry-times)           RETRY_TIMES
  NEWSARCHIVE_EXTRACT_TIMEOUT (--extract-timeout)   ARCHIVE_EXTRACT_TIMEOUT
  NEWSARCHIVE_EXTRACT_MEMORY_MB (--extract-memory-mb) ARCHIVE_EXTRACT_MEMORY_MB
  NEWSARCHIVE_LEASE_SECONDS (--lease-seconds)       ARCHIVE_LEASE_SECONDS
  NEWSARCHIVE_ROBOTSTXT_CACHE_SECONDS (--robotstxt-cache-seconds) ARCHIVE_ROBOTSTXT_CACHE_SECONDS
  NEWSARCHIVE_SQLITE_BUSY_TIMEOUT (--sqlite-busy-timeout) ARCHIVE_SQLITE_BUSY_TIMEOUT
  NEWSARCHIVE_SQLITE_MAX_PAGES (--sqlite-max-pages) ARCHIVE_SQLITE_MAX_PAGES
  NEWSARCHIVE_RENDER (--render on archive/crawl/...) ARCHIVE_RENDER
  NEWSARCHIVE_RENDER_TIMEOUT (--render-timeout)     ARCHIVE_RENDER_TIMEOUT
  NEWSARCHIVE_CHROMIUM (--chromium)                 ARCHIVE_RENDER_CHROMIUM
Not crawl settings, read by the command line too: NEWSARCHIVE_SITES (--config, the sites
file), NEWSARCHIVE_WORKER_ID (schedule --worker-id), NEWSARCHIVE_ALLOWED_HOSTS (serve
--allowed-host); NEWSARCHIVE_NOW is the clock's test seam (storage/timeutil.py).
"""

from __future__ import annotations

from crawler import __version__
from storage.database import (
    DEFAULT_DATABASE_URL,
    DEFAULT_SQLITE_BUSY_TIMEOUT,
    DEFAULT_SQLITE_MAX_PAGES,
)


def user_agent(contact_url: str) -> str:
    """The User-Agent header: who we are and where a site owner can reach the operator."""
    return f"newsarchive/{__version__} (news archival crawler; +{contact_url})"


BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Where a site owner can reach whoever runs the crawler (--contact, NEWSARCHIVE_CONTACT).
CONTACT_URL = "https://github.com/newsarchive/newsarchive"
USER_AGENT = user_agent(CONTACT_URL)

# Politeness: obey robots.txt (5xx or unreachable robots.txt means "disallow for now"),
# a per-host delay adapted by AutoThrottle, few parallel requests per host.
ROBOTSTXT_OBEY = True
ARCHIVE_ROBOTSTXT_MAX_BYTES = 512 * 1024
# How long a robots.txt kept in the archive (robots_txt table) is parsed instead of fetched
# again; RFC 9309 allows at most 24 h (longer values are cut to that); 0 turns the cache off
# (--robotstxt-cache-seconds, NEWSARCHIVE_ROBOTSTXT_CACHE_SECONDS).
ARCHIVE_ROBOTSTXT_CACHE_SECONDS = 86400
DOWNLOAD_DELAY = 0.25
# No jitter: DOWNLOAD_DELAY is a floor, never two requests to a host closer than that. Scrapy's
# jitter (+-50 %) allowed gaps of 0.125 s, and since it draws again each time a host's queue
# is looked at, the gaps it gave averaged about 0.32 s: both less polite and slower.
DOWNLOAD_DELAY_JITTER = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Requests waiting for their host's delay count against this limit too: with 32, a crawl of
# 100 hosts kept only 32 of them busy. Two per host bounds what any one site sees.
CONCURRENT_REQUESTS = 128
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Outputs of one callback processed in parallel. Our callbacks yield one item (and a few
# requests), and Scrapy starts this many tasks for every response whatever it yields: its
# default of 100 cost about a millisecond of CPU per page.
CONCURRENT_ITEMS = 8

# Bounded fetches: a total deadline and a maximum size (after decompression).
# DOWNLOAD_TIMEOUT is a total deadline per attempt in Scrapy 2.19's HTTP/1.1 handler: it runs
# from the request's start to the body's end, so a slow drip of bytes cannot extend it.
# DOWNLOAD_MAXSIZE is checked on the wire and again while decompressing (gzip/deflate bombs).
# (--download-timeout / NEWSARCHIVE_DOWNLOAD_TIMEOUT, --download-maxsize / ..._DOWNLOAD_MAXSIZE)
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
METAREFRESH_MAXDELAY = 10
RETRY_ENABLED = True
RETRY_TIMES = 2  # retries after the first attempt (--retry-times, NEWSARCHIVE_RETRY_TIMES)
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]

# Only http and https are ever fetched.
DOWNLOAD_HANDLERS = {"file": None, "s3": None, "ftp": None, "data": None}

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Not even loaded. Switched off with None in EXTENSIONS they would still be imported by every
# crawl (Scrapy imports each listed path to compare keys): aiohttp and twisted.conch, a tenth
# of a second of each process's start. Scrapy's remote control is an HTTP endpoint that runs
# Python code sent to it and writes a job file into the user's home; an archive's crawler has
# no use for it, nor for the telnet console or the memory debugger.
NEVER_LOADED_EXTENSIONS = {
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.memdebug.MemoryDebugger",
}
# Scrapy 2.19's EXTENSIONS_BASE without those (tests/e2e/test_scrapy_tools.py compares them).
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.memusage.MemoryUsage": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.logstats.LogStats": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
# The crawl's one database connection, which the spider, middlewares and pipeline share.
EXTENSIONS = {"crawler.extensions.archive_connection.ArchiveConnection": 0}
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}

# Crawl-delay (capped) and Retry-After on 429/503, which Scrapy ignores by default.
ARCHIVE_POLITENESS_ENABLED = True
ARCHIVE_CRAWL_DELAY_MAX = 60.0
ARCHIVE_RETRY_AFTER_MAX = 120.0
ARCHIVE_RETRY_AFTER_TIMES = 2
ARCHIVE_ROBOTSTXT_READ_LIMIT_ENABLED = True

# Never connect to loopback, private, link-local or metadata addresses unless allowed
# (--allow-private-network / NEWSARCHIVE_ALLOW_PRIVATE_NETWORK=1, for intranets and tests).
# The middleware checks each request and redirect hop; the resolver checks the address each
# connection is made to, so DNS rebinding cannot slip past the middleware's check.
ARCHIVE_ALLOW_PRIVATE_NETWORK = False
ARCHIVE_PRIVATE_NETWORK_GUARD_ENABLED = True
TWISTED_DNS_RESOLVER = "crawler.middlewares.resolver.PublicOnlyResolver"

# Over-long URLs become a capture with reason url_too_long instead of vanishing silently.
URLLENGTH_LIMIT = 16384
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None}
ARCHIVE_REQUEST_URLS_ENABLED = True

# Cookies are off (COOKIES_ENABLED), and Scrapy imports every middleware it lists, even one
# switched off with None, so its cookies middleware is not listed at all: importing it
# imported tldextract, 40-47 ms of CPU at each crawl's start.
NEVER_LOADED_DOWNLOADER_MIDDLEWARES = {"scrapy.downloadermiddlewares.cookies.CookiesMiddleware"}
# Scrapy 2.19's DOWNLOADER_MIDDLEWARES_BASE without those (tests/e2e/test_scrapy_tools.py).
DOWNLOADER_MIDDLEWARES_BASE = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": 300,
    "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware": 350,
    "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": 400,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": 750,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": 850,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": 900,
}
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.urls.RequestUrlMiddleware": 40,
    "crawler.middlewares.network.PrivateNetworkMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.CautiousRobotsTxtMiddleware": 100,
    "crawler.middlewares.read_limit.RobotsTxtReadLimitMiddleware": 110,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.meta_refresh.HeadMetaRefreshMiddleware": 580,
    "crawler.middlewares.politeness.PolitenessMiddleware": 580,
    "crawler.middlewares.shared_politeness.SharedPolitenessMiddleware": 590,
    # Sees each response before HttpCompressionMiddleware (590) unpacks it: a cut gzip body.
    "crawler.middlewares.truncation.TruncatedBodyMiddleware": 595,
    # Sees each answer before RedirectMiddleware (600) follows it: the heads as on the wire.
    "crawler.middlewares.exchanges.HttpExchangeMiddleware": 650,
    # Last before the download: CONCURRENT_REQUESTS_PER_DOMAIN held however requests bunch up.
    "crawler.middlewares.host_concurrency.HostConcurrencyMiddleware": 950,
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

ARCHIVE_ENABLED = True
# The archive (--db, NEWSARCHIVE_DB); for SQLite, how long a connection waits for another
# process's write lock (seconds) and a size limit of the file in pages (PRAGMA
# max_page_count, 0: none; past it a crawl stops as on a full disk).
ARCHIVE_DATABASE_URL = DEFAULT_DATABASE_URL
ARCHIVE_SQLITE_BUSY_TIMEOUT = DEFAULT_SQLITE_BUSY_TIMEOUT  # --sqlite-busy-timeout
ARCHIVE_SQLITE_MAX_PAGES = DEFAULT_SQLITE_MAX_PAGES  # --sqlite-max-pages
ARCHIVE_TRACK = True
ARCHIVE_KEEP_UNCHANGED_BODIES = False
# Keep each capture's request and response heads and redirect hops (docs/warc.md).
ARCHIVE_HTTP_EXCHANGES_ENABLED = True
ARCHIVE_EXTRACT_WORKERS = 0  # 0: one worker process per CPU core
# Per page: extraction's time (seconds) and memory limit of its worker process
# (--extract-timeout / NEWSARCHIVE_EXTRACT_TIMEOUT, --extract-memory-mb / ..._EXTRACT_MEMORY_MB).
ARCHIVE_EXTRACT_TIMEOUT = 30.0
ARCHIVE_EXTRACT_MEMORY_MB = 1024
ARCHIVE_WRITE_BATCH_SIZE = 50
ARCHIVE_WRITE_BATCH_SECONDS = 0.2
ARCHIVE_CRAWL_RUN_ID = None

# Cooperating workers (`schedule --worker-id`): frontier leases last this long unless renewed
# (the scheduler renews them every third of it, so only a killed worker's leases expire), and
# each host's delay is reserved in the database, shared by all workers
# (--lease-seconds, NEWSARCHIVE_LEASE_SECONDS).
ARCHIVE_LEASE_SECONDS = 300.0
# Who holds this crawl's frontier leases (the scheduler sets it per worker); empty: the
# frontier spider picks one id naming this host and process (crawler.leasing.new_owner_id).
ARCHIVE_LEASE_OWNER = ""
ARCHIVE_SHARED_POLITENESS_ENABLED = False
ARCHIVE_SHARED_DELAY = DOWNLOAD_DELAY  # seconds between requests to a host, across workers
ARCHIVE_SHARED_HOST_DELAYS: dict[str, float] = {}  # host -> its site's configured delay
ARCHIVE_REVISIT_POLICIES: dict[str, dict[str, str]] = {}  # scope -> {"3h": "15m", ...}

# Rendering in a browser (crawler/rendering, docs/javascript-pages.md): never, auto (only a shell
# nothing recovered without a browser) or always; the command line resolves auto to never when
# no renderer is installed. Per site (sites.toml render = "..."): ARCHIVE_RENDER_SITES, scope ->
# mode. When a page may be rendered, crawler.config installs the handler and PLAYWRIGHT_*.
ARCHIVE_RENDER = "never"
ARCHIVE_RENDER_SITES: dict[str, str] = {}
ARCHIVE_RENDER_TIMEOUT = 20.0  # seconds per page, navigation to DOM read (--render-timeout)
ARCHIVE_RENDER_SETTLE = 5.0  # at most this long waiting for the article after load
ARCHIVE_RENDER_CHROMIUM = ""  # the browser to launch (--chromium); empty: found on PATH
DOWNLOADER_MIDDLEWARES["crawler.middlewares.render.RenderAlwaysMiddleware"] = 560

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
