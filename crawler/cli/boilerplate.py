"""`newsarchive boilerplate`: what was learned to be boilerplate for a site, and from what."""

from __future__ import annotations

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.options import json_option
from storage.boilerplate import (
    DEFAULT_MIN_ARTICLES,
    DEFAULT_MIN_SHARE,
    learn_site_boilerplate,
    site_boilerplate,
)
from storage.urls import host_of


def _host(site: str) -> str:
    return host_of(site) if "://" in site else site.strip().lower()


@main.command(name="boilerplate")
@click.argument("site")
@click.option(
    "--learn",
    is_flag=True,
    help="Relearn from the archive now (the crawler also relearns as it archives).",
)
@click.option(
    "--min-articles",
    type=click.IntRange(1, 2**31 - 1),
    default=DEFAULT_MIN_ARTICLES,
    show_default=True,
    help="With --learn: a paragraph must recur in this many distinct articles.",
)
@click.option(
    "--min-share",
    type=click.FloatRange(0, 1),
    default=DEFAULT_MIN_SHARE,
    show_default=True,
    help="With --learn: ... and in this share of the site's recent articles.",
)
@json_option
@click.pass_obj
def boilerplate(
    obj: Context, site: str, learn: bool, min_articles: int, min_share: float, as_json: bool
) -> None:
    """Paragraphs learned to be boilerplate for SITE (a host name or a URL on it).

    Each line says in how many of the site's articles the paragraph was found. Learned
    paragraphs are removed from new captures of the site, before their content is hashed.

    \b
    Example:
      newsarchive boilerplate www.example.com --json
    """
    host = _host(site)
    with obj.archive() as archive:
        if learn:
            learned = archive.run_write(
                lambda s: learn_site_boilerplate(
                    s, host, min_articles=min_articles, min_share=min_share
                )
            )
        else:
            with archive.read() as session:
                learned = site_boilerplate(session, host)
    if as_json:
        for paragraph in learned:
            output.print_json(paragraph)
        return
    if not learned:
        click.echo(f"newsarchive: nothing learned for {host}", err=True)
        return
    rows = [
        (
            f"{p.article_count}/{p.articles_examined}",
            output.format_time(p.last_learned_at),
            p.paragraph,
        )
        for p in learned
    ]
    click.echo(output.table(["articles", "learned", "paragraph"], rows))
