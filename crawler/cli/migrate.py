"""`migrate-db`: copy a whole archive to another database (SQLite to PostgreSQL, and back)."""

from __future__ import annotations

import sys

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.errors import EXIT_FAILED, checked_database_url
from crawler.cli.options import json_option
from storage import ArchiveMissing
from storage.database import sqlite_file
from storage.sqlite_files import shown_path
from storage.transfer_db import DEFAULT_BATCH, copy_archive


@main.command(name="migrate-db")
@click.option(
    "--from",
    "source_url",
    required=True,
    metavar="URL",
    callback=checked_database_url,
    help="The archive to copy.",
)
@click.option(
    "--to",
    "target_url",
    required=True,
    metavar="URL",
    callback=checked_database_url,
    help="An empty database to copy into.",
)
@click.option("--force", is_flag=True, help="Delete the target's rows first if it has any.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 1_000_000),
    default=DEFAULT_BATCH,
    show_default=True,
    help="Rows per batch (memory stays flat whatever the archive's size).",
)
@json_option
@click.pass_obj
def migrate_db(
    obj: Context, source_url: str, target_url: str, force: bool, batch_size: int, as_json: bool
) -> None:
    """Copy every table of an archive into another database, ids and all, then compare them.

    The target is migrated to this version's schema first, and must be empty unless --force.
    The copy is one transaction on the target; afterwards each table's row count and content
    hash are compared on both sides (exit status 1 if any differs).

    \b
    Example:
      newsarchive migrate-db --from sqlite:///newsarchive.db \\
          --to postgresql+psycopg://news@dbhost/news
    """
    # The global --db is not used: both ends are named explicitly (the SQLite limits apply).
    interactive = sys.stderr.isatty()

    def progress(table: str, rows: int) -> None:
        if interactive:
            click.echo(f"\rcopying {table}: {rows} rows\x1b[K", nl=False, err=True)

    source_file = sqlite_file(source_url)
    if source_file is not None and not source_file.is_file():  # never create the source
        raise ArchiveMissing(f"--from: no archive at {shown_path(source_file)}")
    with (
        obj.archive(source_url) as source,
        obj.archive(target_url, auto_migrate=True) as target,
    ):
        report = copy_archive(source, target, force=force, batch_size=batch_size, progress=progress)
    if interactive:
        click.echo(err=True)
    if as_json:
        output.print_json(
            {
                "source": report.source,
                "target": report.target,
                "matches": report.matches,
                "tables": [{**vars(t), "matches": t.matches} for t in report.tables],
            }
        )
    else:
        rows = [
            (
                t.table,
                t.source_rows,
                t.target_rows,
                t.source_sha256[:12],
                t.target_sha256[:12],
                "ok" if t.matches else "DIFFERENT",
            )
            for t in report.tables
        ]
        headers = ["table", "source rows", "target rows", "source sha256", "target sha256", ""]
        click.echo(output.table(headers, rows))
        verdict = "identical" if report.matches else "DIFFERENT"
        click.echo(f"copied {report.source} to {report.target}: {verdict}")
    if not report.matches:
        sys.exit(EXIT_FAILED)
