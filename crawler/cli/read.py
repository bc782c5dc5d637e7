"""`history`, `show` and `diff`: reading one article's versions."""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlsplit

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.options import json_option
from storage import get_version, history
from storage.diffs import paragraph_diff

# How `show` names where a version's body came from (docs/javascript-pages.md).
_BODY_SOURCES = {
    "html": "",  # the usual case: not worth a line
    "jsonld": "the page's JSON-LD articleBody",
    "embedded_data": "data embedded in the page for its scripts",
    "amp": "the page's AMP version",
    "rendered": "the page as a browser rendered it",
}

# A version number as stored (a 32-bit integer); a larger one is a usage error, not a crash.
VERSION_NUMBER = click.IntRange(-(2**31), 2**31 - 1)


def _archive_host(archive: str | None) -> str:
    return urlsplit(archive).netloc or archive if archive else "a web archive"


def _describe_change(
    change: dict[str, Any] | None, origin: str = "capture", archive: str | None = None
) -> str:
    described = _change_text(change)
    if archive:
        return f"backfilled from {_archive_host(archive)}; {described}"
    return f"backfilled; {described}" if origin == "backfill" else described


def _change_text(change: dict[str, Any] | None) -> str:
    if not change:
        return "first version"
    parts = [", ".join(change.get("fields", [])) or "metadata"]
    if change.get("words_added") or change.get("words_removed"):
        parts.append(f"+{change['words_added']}/-{change['words_removed']} words")
    if change.get("notices"):
        parts.append("notice: " + change["notices"][0][:40])
    if change.get("stealth_edit"):
        parts.append("stealth edit")
    if change.get("reextract_of"):
        parts.append(f"re-extraction of v{change['reextract_of']}, not a publisher edit")
    if change.get("flipflop_of"):
        parts.append(f"flip-flop (same as v{change['flipflop_of']})")
    return "; ".join(parts)


@main.command(name="history")
@click.argument("url")
@click.option(
    "--changed-field",
    type=click.Choice(["headline", "body", "byline", "dates"]),
    help="Only versions whose change touched this field.",
)
@json_option
@click.pass_obj
def history_command(obj: Context, url: str, changed_field: str | None, as_json: bool) -> None:
    """Every archived version of an article, oldest first.

    \b
    Example:
      newsarchive history https://example.com/news/story.html --changed-field headline
    """
    with obj.reads() as reads:
        versions = history(reads, url, changed_field=changed_field)
    if as_json:
        output.print_json(versions)
        return
    rows = [
        (
            f"v{v.version}",
            output.format_time(v.captured_at),
            output.format_time(v.last_confirmed_at),
            v.words,
            _describe_change(v.change, v.origin, v.archive),
            v.title or "",
        )
        for v in versions
    ]
    click.echo(
        output.table(["version", "captured", "last confirmed", "words", "change", "title"], rows)
    )


@main.command()
@click.argument("url")
@click.option(
    "--version",
    "number",
    type=VERSION_NUMBER,
    help="Version number (negative counts from the latest).",
)
@click.option(
    "--at", "at", help="The version as it was at this time (ISO 8601, e.g. 2026-11-20T10:00Z)."
)
@json_option
@click.pass_obj
def show(obj: Context, url: str, number: int | None, at: str | None, as_json: bool) -> None:
    """One version of an article: the latest, a numbered one, or as of a time.

    \b
    Example:
      newsarchive show https://example.com/news/story.html --at 2026-11-20T10:00Z
    """
    from storage.timeutil import parse_instant

    if number is not None and at is not None:
        raise click.UsageError("give --version or --at, not both")
    try:
        instant = parse_instant(at) if at else None
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--at") from None
    with obj.reads() as reads:
        record = get_version(reads, url, number=number, at=instant)
    if as_json:
        output.print_json(record)
        return
    safe = output.terminal_safe
    click.echo(click.style(safe(record.title or "(no title)"), bold=sys.stdout.isatty()))
    click.echo(
        f"{safe(record.url)}  (version {record.version} of {record.version_count}, "
        f"captured {output.format_time(record.captured_at)}"
        + (", backfilled from a web archive)" if record.origin == "backfill" else ")")
    )
    if record.archive:
        click.echo(
            f"First seen in a capture by {safe(_archive_host(record.archive))}: "
            f"{safe(record.memento_url or '')}"
        )
    meta = [
        ("By", ", ".join(record.authors)),
        ("Published", output.format_time(record.published_at) if record.published_at else ""),
        ("Modified", output.format_time(record.modified_at) if record.modified_at else ""),
        ("Site", record.site_name or ""),
        ("Language", record.language or ""),
        ("Body from", _BODY_SOURCES.get(record.body_source or "html", record.body_source or "")),
    ]
    for label, value in meta:
        if value:
            click.echo(f"{label}: {safe(value)}")
    click.echo()
    click.echo(
        safe(record.text).replace("\n", "\n\n") if "\n\n" not in record.text else safe(record.text)
    )


@main.command()
@click.argument("url")
@click.argument("from_version", required=False, type=VERSION_NUMBER)
@click.argument("to_version", required=False, type=VERSION_NUMBER)
@click.option("--color/--no-color", default=None, help="Colour the diff (default: on a terminal).")
@json_option
@click.pass_obj
def diff(
    obj: Context,
    url: str,
    from_version: int | None,
    to_version: int | None,
    color: bool | None,
    as_json: bool,
) -> None:
    """What changed between two versions (default: the last two).

    \b
    Example:
      newsarchive diff https://example.com/news/story.html 1 3
    """
    with obj.reads() as reads:
        latest = get_version(reads, url)
        if latest.version_count < 2 and from_version is None:
            click.echo(
                f"{output.terminal_safe(latest.url)} has one version only; nothing to compare.",
                err=True,
            )
            return
        to_number = to_version or latest.version
        from_number = from_version or to_number - 1
        old = get_version(reads, url, number=from_number)
        new = get_version(reads, url, number=to_number)
    lines = paragraph_diff(old, new)
    if as_json:
        output.print_json(
            {
                "url": new.url,
                "from": old.version,
                "to": new.version,
                "change": new.change,
                "lines": [[ln.kind, ln.text] for ln in lines],
            }
        )
        return
    for mark, record in (("---", old), ("+++", new)):
        backfilled = " (backfilled)" if record.origin == "backfill" else ""
        click.echo(f"{mark} v{record.version} {output.format_time(record.captured_at)}{backfilled}")
    click.echo(
        output.render_diff(lines, color) if lines else "(no difference in title, byline or text)"
    )
