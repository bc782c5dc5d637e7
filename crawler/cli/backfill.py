"""`backfill`: an article's earlier versions from web archives (docs/backfill.md)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.options import json_option
from crawler.cli.sites import load_configured_sites, sites_option
from crawler.sites import SiteConfig, find_site
from storage import Archive, list_articles
from storage.timeutil import parse_instant
from storage.urls import InvalidURL, canonical_url

if TYPE_CHECKING:  # imported inside the command: the backfill flow loads the extractor
    from crawler.backfill.flow import UrlReport
    from crawler.backfill.sources import ArchiveSource


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint=name) from None


def _sources(values: tuple[str, ...]) -> list[ArchiveSource]:
    from crawler.backfill.sources import UnknownArchive, archive_source

    try:
        return [archive_source(value) for value in values or ("wayback",)]
    except UnknownArchive as error:
        raise click.BadParameter(str(error), param_hint="--archive") from None


def _configured_site(name: str, config_path: Path | None) -> SiteConfig:
    sites = load_configured_sites(config_path)
    site = find_site(sites, name)
    if site is None:
        known = ", ".join(s.name for s in sites) or "none"
        raise click.BadParameter(
            f"no site {name!r} in the sites file (sites: {known})", param_hint="--site"
        )
    return site


def _fail(message: str) -> NoReturn:
    click.echo(f"newsarchive: error: {output.terminal_safe(message)}", err=True)
    sys.exit(1)


def _summary(report: UrlReport) -> str:
    refused = ", ".join(f"{n} {why}" for why, n in sorted(report.refused.items()))
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(report.skipped.items()))
    return (
        f"{report.url}: {report.listed} captures "
        + ("queued (resumed from the frontier)" if report.resumed else "listed")
        + f", {report.fetched} fetched, "
        f"{report.already_recorded} already recorded, {report.new_versions} new versions, "
        f"{report.unchanged} unchanged"
        + (f"; no version from: {refused}" if refused else "")
        + (f"; not fetched: {skipped}" if skipped else "")
    )


def _site_urls(archive: Archive, site: SiteConfig) -> list[str]:
    """Every article of ``site`` the archive knows: archived under its hosts, or discovered."""
    from storage.frontier import article_urls

    urls: dict[str, None] = {}
    with archive.read() as session:
        for host in site.hosts or (site.name,):
            for listing in list_articles(session, site=host.removeprefix("www.")):
                urls.setdefault(listing.url)
        for url in article_urls(session, site.name):
            urls.setdefault(url)
    return list(urls)


@main.command(name="backfill")
@click.argument("urls", nargs=-1)
@click.option(
    "--site",
    "site_name",
    help="Every article of this configured site the archive knows (archived or discovered); "
    "its sites-file 'archives' list is read unless --archive is given.",
)
@sites_option
@click.option(
    "--archive",
    "archives",
    multiple=True,
    help="'wayback' (default), a CDX endpoint URL (…/cdx) or a Memento TimeMap base URL; "
    "repeat to merge several archives.",
)
@click.option("--since", help="Only captures from this time on (ISO 8601).")
@click.option("--until", help="Only captures up to this time (ISO 8601).")
@click.option(
    "--max", "limit", type=click.IntRange(1, 2**31 - 1), help="At most N captures per URL."
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds between two requests to one archive (one request at a time).",
)
@json_option
@click.pass_obj
def backfill_command(
    obj: Context,
    urls: tuple[str, ...],
    site_name: str | None,
    config_path: Path | None,
    archives: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int | None,
    delay: float,
    as_json: bool,
) -> None:
    """Add an article's earlier versions from web archives, each at its original capture time.

    \b
    Examples:
      newsarchive backfill https://example.com/news/story.html --archive wayback --max 50
      newsarchive backfill --site example
    """
    from crawler.backfill.client import ArchiveClient, ArchiveError
    from crawler.backfill.flow import backfill_url
    from crawler.backfill.slots import DatabaseSlots

    site = _configured_site(site_name, config_path) if site_name else None
    if not urls and site is None:
        raise click.UsageError("give article URLs, or --site NAME")
    if site is not None and not archives:
        archives = site.archives
    sources = _sources(archives)
    window = (_instant(since, "--since"), _instant(until, "--until"))
    for url in urls:
        try:
            canonical_url(url)
        except InvalidURL as error:
            raise click.BadParameter(str(error), param_hint="URL") from None
    reports = []
    with obj.archive() as archive:
        client = ArchiveClient(
            delay=delay,
            allow_private_network=obj.allow_private_network,
            slots=DatabaseSlots(archive),
        )
        if site is not None:
            urls = tuple(dict.fromkeys((*urls, *_site_urls(archive, site))))
            if not urls:
                _fail(f"site {site.name!r} has no article in the archive yet; crawl it first")
        for url in urls:
            try:
                report = backfill_url(
                    archive,
                    client,
                    sources,
                    url,
                    since=window[0],
                    until=window[1],
                    limit=limit,
                    progress=lambda line: click.echo(line, err=True) if obj.verbose else None,
                )
            except ArchiveError as error:
                _fail(f"{url}: {error}")
            reports.append(report)
            if not as_json:
                click.echo(output.terminal_safe(_summary(report)))
    if as_json:
        output.print_json([report.as_json() for report in reports])
