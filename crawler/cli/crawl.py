"""`newsarchive crawl`: discover and archive a publisher's articles from feeds, sitemaps, links."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.errors import EXIT_FAILED, EXIT_OK, exit_code_for
from crawler.cli.options import json_option, render_option, with_render
from crawler.cli.reasons import meaning_of
from crawler.cli.sites import DEFAULT_SITES_FILE, load_configured_sites, sites_option
from crawler.sites import SiteConfig, find_site
from storage import CaptureResult, InvalidURL, canonical_url
from storage.timeutil import parse_instant

if TYPE_CHECKING:  # imported inside the commands: crawler.crawling loads Scrapy
    from crawler.crawling import CrawlPlan, CrawlSummary


def _unknown_site(wanted: str, sites: list[SiteConfig], config_path: Path | None) -> str:
    """Where `crawl NAME` looked for NAME, and what it found there."""
    path = config_path or Path(DEFAULT_SITES_FILE)
    shown = str(path) if config_path else f"./{DEFAULT_SITES_FILE}"
    if not path.exists():
        return (
            f"no site named {wanted!r}: there is no sites file {shown} "
            "(write one, see README.md, Sites config; or pass --config FILE; or crawl a URL with "
            "--site, --feed or --sitemap)"
        )
    known = ", ".join(s.name for s in sites) or "none"
    return f"no site named {wanted!r} in {shown} (sites there: {known})"


def _plan(
    name: str | None,
    feeds: tuple[str, ...],
    sitemaps: tuple[str, ...],
    site: str | None,
    config_path: Path | None,
) -> CrawlPlan:
    from crawler.crawling import plan_for_site, plan_from_urls

    sites = load_configured_sites(config_path)
    wanted = name or (site if site and "://" not in site else None)
    if wanted:
        configured = find_site(sites, wanted)
        if configured is None:
            raise click.UsageError(_unknown_site(wanted, sites, config_path))
        return plan_for_site(configured)
    if site:
        configured = find_site(sites, site)
        if configured is not None and not (feeds or sitemaps):
            return plan_for_site(configured)
    if not (feeds or sitemaps or site):
        raise click.UsageError("say what to crawl: SITE_NAME, --feed, --sitemap or --site URL")
    return plan_from_urls(feeds, sitemaps, site)


def print_summary(summary: CrawlSummary, as_json: bool) -> None:
    if as_json:
        output.print_json(summary)
    else:
        _print_counts(summary)
    _report_failures(summary)


def _print_counts(summary: CrawlSummary) -> None:
    lines = [
        f"crawl of {summary.scope}: {summary.finish_reason} in {summary.elapsed_seconds:.1f} s",
        f"  discovered {summary.discovered}, fetched {summary.fetched}",
        f"  new articles {summary.new_articles}, new versions {summary.new_versions}, "
        f"unchanged {summary.unchanged}, not modified {summary.not_modified}",
    ]
    if summary.skipped:
        lines.append(
            "  skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.skipped.items()))
        )
    if summary.errors:
        lines.append(
            "  errors: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.errors.items()))
        )
    click.echo("\n".join(lines), err=True)


def _report_failures(summary: CrawlSummary) -> None:
    """On stderr, with or without --json: what failed, and how to go on after a stop."""
    for source in summary.failed_sources:
        click.echo(
            f"newsarchive: warning: {source.kind} {output.terminal_safe(source.url)} could not be "
            f"read: {source.reason} ({meaning_of(source.reason)})",
            err=True,
        )
    if summary.finish_reason in ("interrupted", "shutdown"):
        click.echo(
            f"stopped; run the same command again to resume ({summary.left} URLs left)", err=True
        )
    elif summary.nothing_read:
        click.echo(
            "newsarchive: error: nothing was archived: every source or fetch failed "
            "(see the reasons above; docs/cli.md explains each)",
            err=True,
        )


def exit_code_of(summary: CrawlSummary) -> int:
    """The crawl's exit status: its finish reason's, or a failure when it read nothing."""
    if summary.nothing_read:
        return exit_code_for("failed")
    return exit_code_for(summary.finish_reason)


def checked_urls(
    _ctx: click.Context, _param: click.Parameter, urls: tuple[str, ...]
) -> tuple[str, ...]:
    """A click callback: the URLs if each is an absolute http(s) URL, else a usage error."""
    for url in urls:
        try:
            canonical_url(url)
        except InvalidURL as error:
            raise click.BadParameter(str(error)) from None
    return urls


@main.command()
@click.argument("site_name", required=False)
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    callback=checked_urls,
    help="An RSS, Atom or JSON feed URL (repeatable).",
)
@click.option(
    "--sitemap",
    "sitemaps",
    multiple=True,
    callback=checked_urls,
    help="A sitemap or sitemap index URL.",
)
@click.option(
    "--site", help="A site's URL (discover feeds, sitemaps, links), or a configured name."
)
@sites_option
@click.option("--since", help="Only articles whose feed or sitemap date is newer (ISO 8601).")
@click.option(
    "--max-articles",
    type=click.IntRange(1, 2**31 - 1),
    help="Stop this run after this many articles; the rest discovered stay queued for the next "
    "run (`newsarchive due` counts them).",
)
@click.option("--max-depth", type=click.IntRange(0, 1000), help="Link depth from start pages.")
@click.option("--max-pages", type=click.IntRange(1, 2**31 - 1), help="Page budget for this crawl.")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests to one host.")
@click.option("--no-track", is_flag=True, help="Archive once; never revisit these articles.")
@click.option("--quiet", "-q", is_flag=True, help="No line per archived article.")
@render_option
@json_option
@click.pass_obj
def crawl(
    obj: Context,
    site_name: str | None,
    feeds: tuple[str, ...],
    sitemaps: tuple[str, ...],
    site: str | None,
    config_path: Path | None,
    since: str | None,
    max_articles: int | None,
    max_depth: int | None,
    max_pages: int | None,
    delay: float | None,
    no_track: bool,
    quiet: bool,
    render: str | None,
    as_json: bool,
) -> None:
    """Discover articles from feeds, sitemaps or a site's links, and archive them.

    Stopped (Ctrl-C, kill -9) and run again, it finishes what is left without refetching.
    With --json the summary is one JSON object on stdout.

    \b
    Example:
      newsarchive crawl --feed https://example.com/rss.xml --since 2026-11-01
      newsarchive crawl --site https://example.com/ --max-articles 100
      newsarchive crawl example --config sites.toml
    """
    plan = _plan(site_name, feeds, sitemaps, site, config_path)
    changes: dict[str, object] = {}
    if since:
        try:
            changes["since"] = parse_instant(since)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--since") from None
    for key, value in (
        ("max_articles", max_articles),
        ("max_depth", max_depth),
        ("max_pages", max_pages),
    ):
        if value is not None:
            changes[key] = value
    plan = dataclasses.replace(plan, **changes)  # type: ignore[arg-type]

    def on_result(result: CaptureResult) -> None:
        if not quiet and not as_json and result.status in ("new", "changed"):
            url = output.terminal_safe(result.url)
            click.echo(f"{result.status:<8} v{result.version or '-':<3} {url}", err=True)

    from crawler.crawling import run_crawl

    config = obj.crawl_config(track=not no_track, delay=delay)
    configured = find_site(load_configured_sites(config_path), plan.scope)
    config = with_render(config, render, [configured] if configured else None)
    summary = run_crawl(config, plan, on_result)
    print_summary(summary, as_json)
    if not summary.failed_sources:  # else the warnings above already named each source
        for problem in summary.problems:  # a crawl that archived nothing says why, per source
            click.echo(f"newsarchive: error: {output.terminal_safe(problem)}", err=True)
    code = exit_code_of(summary)
    sys.exit(EXIT_FAILED if code == EXIT_OK and summary.problems else code)
