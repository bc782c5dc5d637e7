"""Options shared by commands: --json, and the rarely set crawl limits (flags or environment)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from crawler.config import CrawlConfig

if TYPE_CHECKING:
    from crawler.sites import SiteConfig

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class LimitOption:
    """A hidden global option that sets one CrawlConfig field, from a flag or a variable."""

    field: str
    envvar: str
    type: click.ParamType[Any]
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.field.replace("_", "-")


# Few users set these (tests, small machines, quotas): global options, hidden from --help,
# documented in README.md ("Limits"). Each is a typed click parameter, so a bad value stops
# the command with one line and status 2 (crawler/cli/errors.py).
LIMIT_OPTIONS = (
    LimitOption(
        "contact",
        "NEWSARCHIVE_CONTACT",
        click.STRING,
        "URL or address in the User-Agent where site owners reach you.",
    ),
    LimitOption(
        "download_timeout",
        "NEWSARCHIVE_DOWNLOAD_TIMEOUT",
        click.FloatRange(min=0),
        "Seconds a fetch may take, start to end of body (default 30).",
    ),
    LimitOption(
        "download_maxsize",
        "NEWSARCHIVE_DOWNLOAD_MAXSIZE",
        click.IntRange(min=0),
        "Largest response in bytes, after decompression (default 20 MiB).",
    ),
    LimitOption(
        "retry_times",
        "NEWSARCHIVE_RETRY_TIMES",
        click.IntRange(min=0),
        "Retries of a fetch that failed or answered 5xx (default 2).",
    ),
    LimitOption(
        "extract_timeout",
        "NEWSARCHIVE_EXTRACT_TIMEOUT",
        click.FloatRange(min=0),
        "Seconds extraction of one page may take (default 30).",
    ),
    LimitOption(
        "extract_memory_mb",
        "NEWSARCHIVE_EXTRACT_MEMORY_MB",
        click.IntRange(min=0),
        "Memory limit of an extraction worker in MB (default 1024).",
    ),
    LimitOption(
        "lease_seconds",
        "NEWSARCHIVE_LEASE_SECONDS",
        click.FloatRange(min=0),
        "How long a worker's frontier lease lasts unless renewed (default 300).",
    ),
    LimitOption(
        "robotstxt_cache_seconds",
        "NEWSARCHIVE_ROBOTSTXT_CACHE_SECONDS",
        click.FloatRange(min=0),
        "How long a kept robots.txt is used before fetching it again (default 86400, 0: off).",
    ),
    LimitOption(
        "render_timeout",
        "NEWSARCHIVE_RENDER_TIMEOUT",
        click.FloatRange(min=1),
        "Seconds one page may take to render in the browser (default 20).",
    ),
    LimitOption(
        "chromium",
        "NEWSARCHIVE_CHROMIUM",
        click.STRING,
        "The Chromium (or Chrome) to render pages with (default: chromium on PATH).",
    ),
    LimitOption(
        "sqlite_busy_timeout",
        "NEWSARCHIVE_SQLITE_BUSY_TIMEOUT",
        click.FloatRange(min=0),
        "SQLite: seconds to wait for another process's write lock (default 30).",
    ),
    LimitOption(
        "sqlite_max_pages",
        "NEWSARCHIVE_SQLITE_MAX_PAGES",
        click.IntRange(min=0),
        "SQLite: size limit of the file in pages (default 0: none).",
    ),
)


def limit_options(function: F) -> F:
    """Add every LIMIT_OPTIONS option to a command; each arrives as its CrawlConfig field name."""
    for option in reversed(LIMIT_OPTIONS):
        function = click.option(
            option.flag,
            option.field,
            type=option.type,
            envvar=option.envvar,
            hidden=True,
            help=f"{option.help} (env {option.envvar})",
        )(function)
    return function


def limit_arguments(config: CrawlConfig, defaults: CrawlConfig | None = None) -> list[str]:
    """The flags that give a child process this config's limits (those not at their default)."""
    defaults = defaults or CrawlConfig()
    arguments: list[str] = []
    for option in LIMIT_OPTIONS:
        value = getattr(config, option.field)
        if value is not None and value != getattr(defaults, option.field):
            arguments += [option.flag, str(value)]
    return arguments


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(
        function
    )


RENDER_CHOICES = ("never", "auto", "always")


def render_option(function: F) -> F:
    """``--render never|auto|always`` (env NEWSARCHIVE_RENDER), resolved by ``with_render``."""
    return click.option(
        "--render",
        type=click.Choice(RENDER_CHOICES),
        envvar="NEWSARCHIVE_RENDER",
        help="Render pages in a browser: never; auto (the default) only app shells that "
        "nothing else recovers, when the renderer is installed; always every article page. "
        "See docs/javascript-pages.md.",
    )(function)


def with_render(
    config: CrawlConfig, requested: str | None, sites: list[SiteConfig] | None = None
) -> CrawlConfig:
    """``config`` with the render mode resolved against what is installed.

    Without a renderer, ``--render always`` stops the command (one line, status 2);
    ``--render auto`` given explicitly, or a site's own ``render``, warns once and renders
    nothing; the default (auto) then quietly renders nothing.
    """
    from dataclasses import replace

    from crawler.cli.errors import EXIT_USAGE, fail
    from crawler.rendering.modes import INSTALL_HINT, renderer_missing

    site_modes = tuple((s.name, s.render) for s in sites or () if s.render is not None)
    wanted = {requested or "auto", *(mode for _name, mode in site_modes)}
    missing = renderer_missing(config.chromium) if wanted != {"never"} else None
    if missing is None:
        return replace(config, render=requested or "auto", render_sites=site_modes)
    if requested == "always":
        fail(f"--render always: pages cannot be rendered: {missing} ({INSTALL_HINT})", EXIT_USAGE)
    if requested is not None or any(mode != "never" for _name, mode in site_modes):
        click.echo(
            f"newsarchive: warning: no page will be rendered in a browser: {missing}; app "
            f"shells stay needs_javascript ({INSTALL_HINT})",
            err=True,
        )
    return replace(config, render="never", render_sites=())
