"""`search`, `list` and `stats`: finding articles across the whole archive."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.options import F, json_option
from crawler.cli.sites import site_name_option, site_to_domain
from storage.timeutil import parse_instant

# Private-use characters mark matches until the snippet is made terminal-safe.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"


class InstantType(click.ParamType[datetime]):
    """An ISO 8601 date or time on the command line, as an aware UTC datetime."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            return parse_instant(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


INSTANT = InstantType()


def filter_options(function: F) -> F:
    """--site, --since and --until, identical on every command that takes them."""
    function = click.option("--until", type=INSTANT, help="Only before this time (exclusive).")(
        function
    )
    function = click.option(
        "--since", type=INSTANT, help="Only from this date or time (ISO 8601, UTC if no zone)."
    )(function)
    function = click.option(
        "--site",
        metavar="SITE",
        callback=site_to_domain,
        help="Only this site and its subdomains (a domain such as nbcnews.com, or a configured "
        "site's name).",
    )(function)
    return site_name_option(function)


def _highlight(snippet: str) -> str:
    safe = output.terminal_safe(snippet)
    if sys.stdout.isatty():
        start, end = click.style("", bold=True, reset=False), click.style("", reset=True)
    else:
        start = end = "**"
    return safe.replace(_MARK_OPEN, start).replace(_MARK_CLOSE, end)


@main.command(name="search")
@click.argument("query")
@filter_options
@click.option("--all-versions", is_flag=True, help="Search every version, not only the latest.")
@click.option("--changed-only", is_flag=True, help="Only articles with more than one version.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@json_option
@click.pass_obj
def search_command(
    obj: Context,
    query: str,
    site: str | None,
    since: datetime | None,
    until: datetime | None,
    all_versions: bool,
    changed_only: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Full-text search over titles and texts, best match first.

    Words must all match; use "exact phrases", prefix* , AND / OR / NOT (upper case) and
    parentheses; title:word searches titles only. --since/--until bound the version's capture
    time. In --json output matches in the snippet are wrapped in **.

    \b
    Example:
      newsarchive search '"prison escape"' --site nbcnews.com --since 2026-11-01
      newsarchive search 'escap* NOT sport' --all-versions --json
    """
    from storage.search import search  # each command imports only what it queries with

    marks = ("**", "**") if as_json else (_MARK_OPEN, _MARK_CLOSE)
    with obj.reads() as reads:
        hits = search(
            reads,
            query,
            site=site,
            since=since,
            until=until,
            all_versions=all_versions,
            changed_only=changed_only,
            limit=limit,
            highlight=marks,
        )
    if as_json:
        for hit in hits:
            output.print_json(hit)
        return
    if not hits:
        click.echo(f"no matches for {output.terminal_safe(query)}", err=True)
        return
    for rank, hit in enumerate(hits, start=1):
        click.echo(
            f"{rank}. {output.terminal_safe(hit.title or '(no title)')}  "
            f"(v{hit.version} of {hit.version_count}, captured "
            f"{output.format_time(hit.captured_at)}, score {hit.score:.2f})"
        )
        click.echo(f"   {output.terminal_safe(hit.url)}")
        click.echo(f"   {_highlight(hit.snippet).replace(chr(10), ' ')}")


@main.command(name="list")
@filter_options
@click.option("--changed-only", is_flag=True, help="Only articles with more than one version.")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(0, 2**31 - 1),
    help="0 lists every article.",
)
@json_option
@click.pass_obj
def list_command(
    obj: Context,
    site: str | None,
    since: datetime | None,
    until: datetime | None,
    changed_only: bool,
    limit: int,
    as_json: bool,
) -> None:
    """Archived articles, newest first (--since/--until bound when they were first seen).

    \b
    Example:
      newsarchive list --site nbcnews.com --changed-only
      newsarchive list --since 2026-11-01 --limit 0 --json > articles.jsonl
    """
    from storage.listing import list_articles

    with obj.reads() as reads:
        listings = list_articles(
            reads,
            site=site,
            since=since,
            until=until,
            changed_only=changed_only,
            limit=limit or None,
        )
        if as_json:
            for listing in listings:
                output.print_json(listing)
            return
        rows = [
            (
                output.format_time(item.first_seen),
                item.versions,
                item.site,
                item.title or "",
                item.url,
            )
            for item in listings
        ]
    click.echo(output.table(["first seen", "versions", "site", "title", "url"], rows))


@main.command(name="stats")
@json_option
@click.pass_obj
def stats_command(obj: Context, as_json: bool) -> None:
    """Per site: articles, versions, captures, failed captures and the last crawl.

    \b
    Example:
      newsarchive stats --json
    """
    from storage.listing import stats

    with obj.reads() as reads:
        sites = stats(reads)
    if as_json:
        for site in sites:
            output.print_json(site)
        return
    rows = [
        (s.site, s.articles, s.versions, s.captures, s.errors, output.format_time(s.last_crawl))
        for s in sites
    ]
    click.echo(
        output.table(["site", "articles", "versions", "captures", "errors", "last crawl"], rows)
    )
