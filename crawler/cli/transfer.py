"""`export`, `import-jsonl`, `import-warc` and `reextract`: moving content in and out."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, BinaryIO, TextIO

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.errors import EXIT_FAILED, fail
from crawler.cli.options import json_option
from crawler.cli.query import filter_options
from crawler.cli.sites import site_name_option, site_to_domain
from storage import CaptureResult
from storage.export import iter_versions, write_csv, write_jsonl
from storage.importing import versions_from_jsonl
from storage.parallel_import import import_batches
from storage.records import ImportSummary, ReextractResult, WarcSummary

IMPORT_BATCH = 2_000
IMPORT_JOBS = 2  # PostgreSQL: the server's text-search parsing on two cores


@contextmanager
def _binary_output(path: Path | None) -> Iterator[BinaryIO]:
    if path is not None:
        with path.open("wb") as handle:
            yield handle
    elif sys.stdout.isatty():
        raise click.UsageError("a WARC file is binary: give --output FILE or redirect stdout")
    else:
        yield sys.stdout.buffer


@contextmanager
def _text_output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            yield handle


@main.command(name="export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "warc", "wacz"]),
    default="jsonl",
    show_default=True,
    help="jsonl and csv: one record per version; warc: every fetch as WARC records; "
    "wacz: that WARC packaged for ReplayWeb.page, with an index and a page per article.",
)
@filter_options
@click.option(
    "--output",
    "-o",
    "output_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here instead of stdout.",
)
@click.pass_obj
def export(
    obj: Context,
    fmt: str,
    site: str | None,
    since: datetime | None,
    until: datetime | None,
    output_path: Path | None,
) -> None:
    """Export every version (jsonl, csv) or every fetch (warc, wacz), streamed.

    --since/--until bound the version's capture time (warc, wacz: the fetch time). CSV cells
    that a spreadsheet would run as formulas are prefixed with an apostrophe. The WARC is
    gzipped WARC 1.1 with a request and a response or revisit record per fetch and per
    redirect hop (docs/warc.md); progress goes to stderr.

    \b
    Example:
      newsarchive export --format jsonl --site nbcnews.com -o nbc.jsonl
      newsarchive export --format warc --since 2026-11-01 -o november.warc.gz
      newsarchive export --format wacz -o archive.wacz
    """
    with obj.read_archive() as archive, archive.read() as session:
        if fmt == "warc":
            from storage.warc_export import write_warc

            info = {"format": "WARC File Format 1.1"}
            with _binary_output(output_path) as binary:
                summary = write_warc(
                    session,
                    binary,
                    site=site,
                    since=since,
                    until=until,
                    info=info,
                    on_progress=_fetches_progress,
                )
            message = warc_message(summary)
        elif fmt == "wacz":
            from storage.wacz import write_wacz

            with _binary_output(output_path) as binary:
                packed = write_wacz(
                    session,
                    binary,
                    site=site,
                    since=since,
                    until=until,
                    on_progress=_fetches_progress,
                )
            message = f"{warc_message(packed.warc)}; {packed.pages} pages"
        else:
            versions = iter_versions(session, site=site, since=since, until=until)
            writer = write_jsonl if fmt == "jsonl" else write_csv
            with _text_output(output_path) as text:
                message = f"{writer(versions, text)} versions"
    click.echo(f"exported {message}" + (f" to {output_path}" if output_path else ""), err=True)


def _fetches_progress(done: int) -> None:
    click.echo(f"[{done}] fetches written", err=True)


def warc_message(summary: WarcSummary) -> str:
    """What a WARC export wrote, in one line."""
    text = (
        f"{summary.responses} responses, {summary.revisits} revisits, "
        f"{summary.redirects} redirects, {summary.requests} requests"
    )
    if summary.conversions:
        text += f"; {summary.conversions} rendered pages (conversion records)"
    if summary.synthesised:
        text += f"; {summary.synthesised} with synthesised heads (made before 0012)"
    if summary.left_out:
        text += f"; {summary.left_out} fetches with nothing kept left out"
    return text


def _report(summary: ImportSummary, as_json: bool) -> None:
    for problem in summary.problems:
        click.echo(f"newsarchive: {output.terminal_safe(problem)}", err=True)
    if as_json:
        output.print_json(summary)
    else:
        click.echo(
            f"imported {summary.versions_imported} versions "
            f"({summary.articles_created} new articles); "
            f"{summary.versions_present} already archived; {len(summary.problems)} skipped"
        )


@main.command(name="import-jsonl")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=8),
    default=IMPORT_JOBS,
    show_default=True,
    help="PostgreSQL: connections writing versions at once (each its own articles); "
    "SQLite always writes with one.",
)
@json_option
@click.pass_obj
def import_jsonl(obj: Context, file: IO[bytes], jobs: int, as_json: bool) -> None:
    """Restore versions from a JSONL export ('-' reads stdin), keeping numbers and hashes.

    Importing the same file twice changes nothing. Each record is checked against the
    export's schema and stored whole or skipped: a line that is not such a record is reported
    with its number and reason, the rest is imported, and the exit status is then 1.

    \b
    Example:
      newsarchive --db sqlite:///copy.db import-jsonl nbc.jsonl
    """
    problems: list[str] = []
    records = versions_from_jsonl(file, problems, source=f"{file.name} line")
    batches = iter(lambda: list(islice(records, IMPORT_BATCH)), [])
    with obj.archive() as archive:
        total = import_batches(
            archive,
            batches,
            jobs=jobs,
            on_batch=lambda total: click.echo(
                f"[{total.versions_imported + total.versions_present}] imported", err=True
            ),
        )
    total.problems[:0] = problems
    _report(total, as_json)
    if total.problems:
        sys.exit(EXIT_FAILED)


# What `import-warc --json` prints of each capture, in this order.
_CAPTURE_KEYS = (
    "url",
    "requested_url",
    "final_url",
    "status",
    "capture_id",
    "article_id",
    "version",
    "title",
    "error_reason",
    "error",
)


def _print_capture(result: CaptureResult, as_json: bool) -> None:
    if as_json:
        output.print_json({key: getattr(result, key) for key in _CAPTURE_KEYS})
        return
    version = f"v{result.version}" if result.version else "-"
    detail = result.title if result.status != "error" else f"{result.error_reason}"
    click.echo(
        f"{result.status:<12} {version:<4} {output.terminal_safe(result.url)}  "
        f"{output.terminal_safe(detail or '')}"
    )


@main.command(name="import-warc")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@click.pass_obj
def import_warc_command(obj: Context, file: Path, as_json: bool) -> None:
    """Archive the HTML pages of a WARC file (.warc or .warc.gz) as captures at their WARC-Date.

    Pages are extracted and versioned exactly as if they had just been fetched at that time.
    What cannot be read (not a WARC, a record cut short or with a wrong Content-Length, a
    corrupt gzip member, an invalid URI or date) is reported with its byte offset and skipped;
    the records after it are imported, and the exit status is then 1.

    \b
    Example:
      newsarchive import-warc crawl-2026-11.warc.gz
    """
    from crawler.importing import import_warc

    with obj.archive() as archive, file.open("rb") as stream:
        summary = import_warc(archive, stream, on_result=lambda r: _print_capture(r, as_json))
    if not (summary.outcomes or summary.skipped or summary.unreadable):
        fail(f"{file}: holds no WARC record (an empty file?); nothing imported")
    for problem in summary.unreadable:
        line = f"{file} offset {problem.offset}: {problem.reason}; skipped"
        click.echo(f"newsarchive: {output.terminal_safe(line)}", err=True)
    outcomes = ", ".join(f"{n} {status}" for status, n in sorted(summary.outcomes.items()))
    skipped = ", ".join(f"{n} {why}" for why, n in sorted(summary.skipped.items()))
    unreadable = f"; unreadable: {len(summary.unreadable)}" if summary.unreadable else ""
    click.echo(
        f"imported: {outcomes or 'nothing'}; skipped: {skipped or 'none'}{unreadable}", err=True
    )
    if summary.unreadable:
        sys.exit(EXIT_FAILED)


@main.command(name="reextract")
@click.option(
    "--site",
    metavar="SITE",
    callback=site_to_domain,
    help="Only this site and its subdomains (a domain, or a configured site's name).",
)
@site_name_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write nothing; count the articles whose text the current extractor would change.",
)
@json_option
@click.pass_obj
def reextract_command(obj: Context, site: str | None, dry_run: bool, as_json: bool) -> None:
    """Re-run the current extractor over the stored page behind each article's latest version.

    When the result differs, the article gets a new version marked origin=reextract (with the
    extractor's version); it is not counted as a publisher edit.

    \b
    Example:
      newsarchive reextract --site nbcnews.com
      newsarchive reextract --dry-run
    """
    from crawler.importing import reextract

    def show(result: ReextractResult) -> None:
        if as_json:
            output.print_json(result)
        elif result.status != "unchanged":
            click.echo(
                f"{result.status:<12} v{result.version:<3} {output.terminal_safe(result.url)}  "
                f"{output.terminal_safe(result.detail or '')}"
            )

    with obj.archive() as archive:
        counts = reextract(archive, site=site, on_result=show, dry_run=dry_run)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    if dry_run:
        click.echo(
            f"dry run, nothing written: the current extractor would change the content of"
            f" {counts['would_change']} latest versions ({summary or 'no stored pages'})",
            err=True,
        )
    else:
        click.echo(f"re-extracted: {summary or 'no stored pages'}", err=True)
