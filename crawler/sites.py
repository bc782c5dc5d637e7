"""The sites config file (TOML): which publishers to crawl, from where, how politely, how often.

    [[site]]
    name = "example"
    feeds = ["https://example.com/rss.xml"]
    sitemaps = ["https://example.com/sitemap.xml"]
    start_urls = ["https://example.com/"]
    include = ["/news/"]          # URL regexes; optional
    exclude = ["/video/"]         # optional
    interval = "30m"              # how often discovery runs
    delay = 1.0                   # optional: seconds between requests to this site
    max_depth = 2                 # optional: link depth from start_urls
    max_pages = 5000              # optional: page budget per crawl
    revisit = { "3h" = "15m", "1d" = "1h", "7d" = "6h", "30d" = "1d", "90d" = "1w" }  # optional
    archives = ["wayback"]        # optional: where `backfill --site` looks (docs/backfill.md)

A config error names the file, the line and the key, and nothing runs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.backfill.sources import UnknownArchive, archive_source
from storage.revisits import DEFAULT_REVISIT_POLICY, RevisitPolicy, parse_duration
from storage.urls import host_of

RENDER_MODES = ("never", "auto", "always")
KNOWN_KEYS = frozenset(
    [
        "name",
        "feeds",
        "sitemaps",
        "start_urls",
        "include",
        "exclude",
        "interval",
        "delay",
        "max_depth",
        "max_pages",
        "max_articles",
        "revisit",
        "archives",
        "render",
    ]
)


class SiteConfigError(ValueError):
    """The sites file is wrong; the message names the file, the line and the key."""


@dataclass(frozen=True)
class SiteConfig:
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    interval: timedelta = timedelta(minutes=30)
    delay: float | None = None
    max_depth: int = 2
    max_pages: int = 10_000
    max_articles: int | None = None
    revisit: RevisitPolicy = field(default=DEFAULT_REVISIT_POLICY)
    archives: tuple[str, ...] = ()  # --archive values for `backfill --site`
    render: str | None = None  # never, auto, always (docs/javascript-pages.md); None: --render's

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(sorted({host_of(u) for u in (*self.feeds, *self.sitemaps, *self.start_urls)}))


def _line_of(text: str, index: int, key: str | None) -> int:
    """The line of the ``index``-th [[site]] table, or of ``key`` inside it."""
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines, 1) if re.match(r"\s*\[\[\s*site\s*\]\]", line)]
    if index >= len(headers):
        return 1
    start = headers[index]
    end = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1
    if key:
        for number in range(start, end):
            if re.match(rf"\s*{re.escape(key)}\s*=", lines[number - 1]):
                return number
    return start


def _urls(value: Any, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail("must be a list of URLs")
    for url in value:
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            fail(f"{url!r} is not an http(s) URL")
    return tuple(value)


def _patterns(value: Any, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail("must be a list of regular expressions")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as error:
            fail(f"{pattern!r} is not a valid regular expression ({error})")
    return tuple(value)


def _archives(value: Any, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail('must be a list like ["wayback", "https://archive.example/coll/cdx"]')
    for archive in value:
        try:
            archive_source(archive)
        except UnknownArchive as error:
            fail(str(error).replace("--archive ", ""))
    return tuple(value)


def _positive_int(value: Any, fail: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        fail("must be a non-negative whole number")
    return int(value)


def _site(table: dict[str, Any], index: int, path: Path, text: str) -> SiteConfig:
    def fail(message: str, key: str | None = None) -> None:
        line = _line_of(text, index, key)
        where = f"key '{key}'" if key else "[[site]]"
        raise SiteConfigError(f"{path}:{line}: {where}: {message}")

    for key in table:
        if key not in KNOWN_KEYS:
            fail(f"unknown key (known: {', '.join(sorted(KNOWN_KEYS))})", key)
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        fail("every site needs a name", "name" if "name" in table else None)
    values: dict[str, Any] = {"name": str(name)}
    for key in ("feeds", "sitemaps", "start_urls"):
        if key in table:
            values[key] = _urls(table[key], lambda m, k=key: fail(m, k))
    for key in ("include", "exclude"):
        if key in table:
            values[key] = _patterns(table[key], lambda m, k=key: fail(m, k))
    if "archives" in table:
        values["archives"] = _archives(table["archives"], lambda m: fail(m, "archives"))
    if "interval" in table:
        try:
            values["interval"] = parse_duration(str(table["interval"]))
        except ValueError as error:
            fail(str(error), "interval")
    if "delay" in table:
        if not isinstance(table["delay"], int | float) or table["delay"] < 0:
            fail("must be a number of seconds", "delay")
        values["delay"] = float(table["delay"])
    for key in ("max_depth", "max_pages", "max_articles"):
        if key in table:
            values[key] = _positive_int(table[key], lambda m, k=key: fail(m, k))
    if "revisit" in table:
        if not isinstance(table["revisit"], dict):
            fail('must be a table like { "3h" = "15m", "1d" = "1h" }', "revisit")
        try:
            values["revisit"] = RevisitPolicy.parse(
                {str(k): str(v) for k, v in table["revisit"].items()}
            )
        except ValueError as error:
            fail(str(error), "revisit")
    if "render" in table:
        if table["render"] not in RENDER_MODES:
            fail(f"must be one of {', '.join(RENDER_MODES)}", "render")
        values["render"] = str(table["render"])
    site = SiteConfig(**values)
    if not (site.feeds or site.sitemaps or site.start_urls):
        fail("needs at least one of feeds, sitemaps or start_urls")
    return site


def load_sites(path: Path) -> list[SiteConfig]:
    """Read and validate a sites file; raise SiteConfigError naming file, line and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SiteConfigError(f"{path}: cannot read the sites file ({error.strerror})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SiteConfigError(f"{path}: not valid TOML: {error}") from None
    tables = document.get("site", [])
    if not isinstance(tables, list):
        raise SiteConfigError(f"{path}: sites must be [[site]] tables")
    sites = [_site(table, index, path, text) for index, table in enumerate(tables)]
    names = [site.name for site in sites]
    for index, name in enumerate(names):
        if names.index(name) != index:
            raise SiteConfigError(
                f"{path}:{_line_of(text, index, 'name')}: key 'name': duplicate site name {name!r}"
            )
    return sites


def find_site(sites: list[SiteConfig], name_or_host: str) -> SiteConfig | None:
    """A configured site by its name or by one of its hosts (with or without www.)."""
    wanted = name_or_host.lower().removeprefix("www.")
    if "://" in wanted:
        wanted = host_of(name_or_host).removeprefix("www.")
    for site in sites:
        if site.name.lower() == wanted or wanted in {h.removeprefix("www.") for h in site.hosts}:
            return site
    return None
