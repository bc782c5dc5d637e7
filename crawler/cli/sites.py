"""The sites file on the command line: `--config` (env NEWSARCHIVE_SITES) and `--site` names."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.errors import EXIT_FAILED, fail
from crawler.cli.options import F
from crawler.sites import SiteConfig, SiteConfigError, find_site, load_sites
from storage.urls import host_of

DEFAULT_SITES_FILE = "sites.toml"
_SITES_FILE = "newsarchive.sites_file"  # where a hidden --config leaves its value (ctx.meta)


def sites_option(function: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="NEWSARCHIVE_SITES",
        help=f"Sites file (TOML, env NEWSARCHIVE_SITES; default ./{DEFAULT_SITES_FILE} if there).",
    )(function)


def load_configured_sites(config_path: Path | None) -> list[SiteConfig]:
    """The sites file's sites; an absent default file means no configured sites."""
    path = config_path or Path(DEFAULT_SITES_FILE)
    if config_path is None and not path.exists():
        return []
    try:
        return load_sites(path)
    except SiteConfigError as error:
        fail(str(error), EXIT_FAILED)


def _remember_sites_file(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    ctx.meta[_SITES_FILE] = value


def site_name_option(function: F) -> F:
    """A hidden --config (env NEWSARCHIVE_SITES) for a command whose --site may name a site.

    Eager, so it is read before ``site_to_domain`` runs for --site.
    """
    return click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="NEWSARCHIVE_SITES",
        hidden=True,
        is_eager=True,
        expose_value=False,
        callback=_remember_sites_file,
    )(function)


def site_to_domain(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A --site value as a domain: a configured site's name becomes its host, a URL its host.

    The sites file is the one `crawl` would read (--config, env NEWSARCHIVE_SITES, or
    ./sites.toml); the command needs ``site_name_option``.
    """
    if not value:
        return value
    path = ctx.meta.get(_SITES_FILE) or Path(DEFAULT_SITES_FILE)
    sites = load_configured_sites(path) if path.exists() else []
    configured = find_site(sites, value)
    if configured is not None and configured.hosts:
        return configured.hosts[0].removeprefix("www.")
    return host_of(value) if "://" in value else value
