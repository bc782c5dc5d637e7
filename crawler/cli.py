"""The `newsarchive` command: flags in, one library call, formatted results out."""

from __future__ import annotations

import gzip
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from crawler import output
from crawler.config import CrawlConfig
from storage import (
    DEFAULT_DATABASE_URL,
    Archive,
    CaptureResult,
    DatabaseBusy,
    InvalidURL,
    NotFound,
    StorageError,
    StorageFull,
    canonical_url,
    get_version,
    history,
    open_archive,
)
from storage.diffs import paragraph_diff

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STORAGE_FULL = 3
EXIT_DATABASE_BUSY = 4

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Context:
    database_url: str
    verbose: int

    @property
    def log_level(self) -> str:
        return ["WARNING", "INFO", "DEBUG"][min(self.verbose, 2)]

    @contextmanager
    def archive(self) -> Iterator[Archive]:
        with open_archive(self.database_url) as archive:
            yield archive


class ArchiveGroup(click.Group):
    """Turns library errors into one clear line on stderr and a distinct exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except StorageFull as error:
            _fail(f"{error}. Free space (or raise the limit) and run the command again.", EXIT_STORAGE_FULL)
        except DatabaseBusy as error:
            _fail(str(error), EXIT_DATABASE_BUSY)
        except (NotFound, InvalidURL) as error:
            _fail(str(error), EXIT_FAILED)
        except StorageError as error:
            _fail(str(error), EXIT_FAILED)


def _fail(message: str, code: int) -> None:
    click.echo(f"newsarchive: error: {output.terminal_safe(message)}", err=True)
    sys.exit(code)


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(function)


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database_url",
    envvar="NEWSARCHIVE_DB",
    default=DEFAULT_DATABASE_URL,
    show_default=True,
    help="SQLAlchemy URL of the archive (env NEWSARCHIVE_DB).",
)
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.version_option(package_name="newsarchive")
@click.pass_context
def main(ctx: click.Context, database_url: str, verbose: int) -> None:
    """Archive news articles and every later edit to them.

    \b
    Example:
      newsarchive archive https://example.com/news/story.html
      newsarchive history https://example.com/news/story.html
    """
    ctx.obj = Context(database_url=database_url, verbose=verbose)
    logging.basicConfig(
        level=ctx.obj.log_level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _read_urls(urls: tuple[str, ...], from_file: Path | None) -> list[str]:
    collected: list[str] = []
    for url in urls:
        if url == "-":
            collected.extend(line.strip() for line in sys.stdin)
        else:
            collected.append(url)
    if from_file is not None:
        collected.extend(line.strip() for line in from_file.read_text().splitlines())
    return [u for u in collected if u and not u.startswith("#")]


def _print_result(result: CaptureResult, as_json: bool) -> None:
    if as_json:
        output.print_json(
            {
                "url": result.url,
                "final_url": result.final_url,
                "status": result.status,
                "version": result.version,
                "title": result.title,
                "error": result.error,
                "error_reason": result.error_reason,
            }
        )
        return
    version = f"v{result.version}" if result.version else "-"
    detail = result.title if result.status != "error" else f"{result.error_reason}: {result.error}"
    click.echo(
        f"{result.status:<12} {version:<4} {output.terminal_safe(result.url)}  "
        f"{output.terminal_safe(detail or '')}"
    )


@main.command()
@click.argument("urls", nargs=-1)
@click.option("--from-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read URLs from a file, one per line ('-' as an argument reads stdin).")
@click.option("--no-track", is_flag=True, help="Archive once; never revisit these articles.")
@click.option("--delay", type=float, help="Seconds between requests to one host (default 0.25, adapted by AutoThrottle).")
@json_option
@click.pass_obj
def archive(obj: Context, urls: tuple[str, ...], from_file: Path | None, no_track: bool,
            delay: float | None, as_json: bool) -> None:
    """Fetch, extract and archive article URLs; a changed article gets a new version.

    Exit status is 0 when every URL was archived (unchanged counts), 1 when any failed.

    \b
    Example:
      newsarchive archive https://example.com/news/story.html
      newsarchive archive --json --from-file urls.txt
    """
    from crawler.runner import run_spider
    from crawler.spiders.archive import ArchiveSpider

    wanted = _read_urls(urls, from_file)
    if not wanted:
        raise click.UsageError("give at least one URL (or '-' to read them from stdin)")
    valid: list[str] = []
    failed = 0
    for url in wanted:
        try:
            canonical_url(url)
            valid.append(url)
        except InvalidURL as error:
            failed += 1
            _print_result(
                CaptureResult(url=url, requested_url=url, final_url=None, status="error",
                              capture_id=0, error_reason="invalid_url", error=str(error)),
                as_json,
            )
    done = 0

    def on_result(result: CaptureResult) -> None:
        nonlocal done, failed
        done += 1
        failed += result.status == "error"
        _print_result(result, as_json)
        if len(valid) > 5:
            output.progress(done, len(valid), result.url)

    if valid:
        config = CrawlConfig(database_url=obj.database_url, track=not no_track, delay=delay,
                             log_level=obj.log_level)
        summary = run_spider(config, ArchiveSpider, "archive", on_result, urls=valid)
        if summary.finish_reason not in ("finished", "unknown"):
            click.echo(f"newsarchive: crawl ended early: {summary.finish_reason}", err=True)
            if summary.finish_reason == "storage_full":
                sys.exit(EXIT_STORAGE_FULL)
            failed += 1
        missing = len(valid) - done
        if missing > 0:
            click.echo(f"newsarchive: {missing} URL(s) produced no result", err=True)
            failed += missing
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


def _describe_change(change: dict[str, Any] | None) -> str:
    if not change:
        return "first version"
    parts = [", ".join(change.get("fields", [])) or "metadata"]
    if change.get("words_added") or change.get("words_removed"):
        parts.append(f"+{change['words_added']}/-{change['words_removed']} words")
    if change.get("notices"):
        parts.append("notice: " + change["notices"][0][:40])
    if change.get("stealth_edit"):
        parts.append("stealth edit")
    if change.get("flipflop_of"):
        parts.append(f"flip-flop (same as v{change['flipflop_of']})")
    return "; ".join(parts)


@main.command(name="history")
@click.argument("url")
@click.option("--changed-field", type=click.Choice(["headline", "body", "byline", "dates"]),
              help="Only versions whose change touched this field.")
@json_option
@click.pass_obj
def history_command(obj: Context, url: str, changed_field: str | None, as_json: bool) -> None:
    """Every archived version of an article, oldest first.

    \b
    Example:
      newsarchive history https://example.com/news/story.html --changed-field headline
    """
    with obj.archive() as archive, archive.read() as session:
        versions = history(session, url, changed_field=changed_field)
    if as_json:
        output.print_json(versions)
        return
    rows = [
        (f"v{v.version}", output.format_time(v.captured_at), output.format_time(v.last_confirmed_at),
         v.words, _describe_change(v.change), v.title or "")
        for v in versions
    ]
    click.echo(output.table(["version", "captured", "last confirmed", "words", "change", "title"], rows))


@main.command()
@click.argument("url")
@click.option("--version", "number", type=int, help="Version number (negative counts from the latest).")
@click.option("--at", "at", help="The version as it was at this time (ISO 8601, e.g. 2026-11-20T10:00Z).")
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
    with obj.archive() as archive, archive.read() as session:
        record = get_version(session, url, number=number, at=instant)
    if as_json:
        output.print_json(record)
        return
    safe = output.terminal_safe
    click.echo(click.style(safe(record.title or "(no title)"), bold=sys.stdout.isatty()))
    click.echo(f"{safe(record.url)}  (version {record.version} of {record.version_count}, "
               f"captured {output.format_time(record.captured_at)})")
    meta = [
        ("By", ", ".join(record.authors)),
        ("Published", output.format_time(record.published_at) if record.published_at else ""),
        ("Modified", output.format_time(record.modified_at) if record.modified_at else ""),
        ("Site", record.site_name or ""),
        ("Language", record.language or ""),
    ]
    for label, value in meta:
        if value:
            click.echo(f"{label}: {safe(value)}")
    click.echo()
    click.echo(safe(record.text).replace("\n", "\n\n") if "\n\n" not in record.text else safe(record.text))


@main.command()
@click.argument("url")
@click.argument("from_version", required=False, type=int)
@click.argument("to_version", required=False, type=int)
@click.option("--color/--no-color", default=None, help="Colour the diff (default: on a terminal).")
@json_option
@click.pass_obj
def diff(obj: Context, url: str, from_version: int | None, to_version: int | None,
         color: bool | None, as_json: bool) -> None:
    """What changed between two versions (default: the last two).

    \b
    Example:
      newsarchive diff https://example.com/news/story.html 1 3
    """
    with obj.archive() as archive, archive.read() as session:
        latest = get_version(session, url)
        if latest.version_count < 2 and from_version is None:
            click.echo(f"{output.terminal_safe(latest.url)} has one version only; nothing to compare.", err=True)
            return
        to_number = to_version or latest.version
        from_number = from_version or to_number - 1
        old = get_version(session, url, number=from_number)
        new = get_version(session, url, number=to_number)
    lines = paragraph_diff(old, new)
    if as_json:
        output.print_json({"url": new.url, "from": old.version, "to": new.version,
                           "change": new.change, "lines": [[ln.kind, ln.text] for ln in lines]})
        return
    click.echo(f"--- v{old.version} {output.format_time(old.captured_at)}")
    click.echo(f"+++ v{new.version} {output.format_time(new.captured_at)}")
    click.echo(output.render_diff(lines, color) if lines else "(no difference in title, byline or text)")


def _read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The page's URL (helps resolve links and the site name).")
@json_option
def extract(files: tuple[Path, ...], url: str | None, as_json: bool) -> None:
    """Extract article text and metadata from saved HTML files (.html or .html.gz); no fetch, no storage.

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
            output.print_json({"file": str(path), "title": content.title, "authors": content.authors,
                               "published_at": content.published_at, "modified_at": content.modified_at,
                               "language": content.language, "site_name": content.site_name,
                               "description": content.description, "text": content.text})
        else:
            if len(files) > 1:
                click.echo(f"==> {path} <==")
            click.echo(output.terminal_safe(content.title or "(no title)"))
            if content.authors:
                click.echo("By " + output.terminal_safe(", ".join(content.authors)))
            click.echo()
            click.echo(output.terminal_safe(content.text))
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


@main.group()
def db() -> None:
    """Database schema: migrate explicitly (server databases) or inspect."""


@db.command()
@click.pass_obj
def upgrade(obj: Context) -> None:
    """Migrate the database to this version's schema (SQLite does this by itself).

    \b
    Example:
      newsarchive --db postgresql+psycopg://user@host/news db upgrade
    """
    from storage.schema import head_revision

    with open_archive(obj.database_url, auto_migrate=True):
        pass
    click.echo(f"{obj.database_url.split('@')[-1]} is at schema revision {head_revision()}")


@db.command()
@click.pass_obj
def current(obj: Context) -> None:
    """Show the database's schema revision and whether it is current.

    \b
    Example:
      newsarchive db current
    """
    from storage.database import Archive, create_archive_engine
    from storage.schema import check_schema, current_revision

    with Archive(create_archive_engine(obj.database_url)) as archive:
        click.echo(f"{current_revision(archive) or 'none'} ({check_schema(archive)})")
