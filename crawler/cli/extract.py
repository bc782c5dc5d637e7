"""`newsarchive extract`: extraction only, from saved pages."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import click

from crawler import output
from crawler.cli.app import main
from crawler.cli.errors import EXIT_FAILED, EXIT_OK
from crawler.cli.options import json_option


def _read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--url", help="The page's URL (helps resolve links and the site name).")
@json_option
def extract(files: tuple[Path, ...], url: str | None, as_json: bool) -> None:
    """Extract text and metadata from saved pages (.html, .html.gz): no fetch, no storage.

    \b
    Example:
      newsarchive extract --json page1.html page2.html.gz
    """
    from crawler.extraction import ExtractionError, extract_article

    failed = 0
    for path in files:
        try:
            content = extract_article(_read_page(path), url)
        except (ExtractionError, OSError, gzip.BadGzipFile) as error:
            failed += 1
            reason = getattr(error, "reason", "unreadable")
            if as_json:
                output.print_json({"file": str(path), "error": str(error), "error_reason": reason})
            else:
                click.echo(f"newsarchive: {path}: {output.terminal_safe(error)}", err=True)
            continue
        if as_json:
            output.print_json(
                {
                    "file": str(path),
                    "title": content.title,
                    "authors": content.authors,
                    "published_at": content.published_at,
                    "modified_at": content.modified_at,
                    "language": content.language,
                    "site_name": content.site_name,
                    "description": content.description,
                    "text": content.text,
                }
            )
        else:
            if len(files) > 1:
                click.echo(f"==> {path} <==")
            click.echo(output.terminal_safe(content.title or "(no title)"))
            if content.authors:
                click.echo("By " + output.terminal_safe(", ".join(content.authors)))
            click.echo()
            click.echo(output.terminal_safe(content.text))
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
