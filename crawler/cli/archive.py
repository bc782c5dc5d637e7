"""`newsarchive archive`: fetch, extract and archive article URLs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.errors import EXIT_FAILED, EXIT_OK, EXIT_STORAGE_FULL, exit_code_for
from crawler.cli.options import json_option, render_option, with_render
from storage import CaptureResult, InvalidURL, canonical_url
from storage.validation import urls_from_lines


def _read_urls(urls: tuple[str, ...], from_file: Path | None) -> tuple[list[str], list[str]]:
    """The URLs to archive, and the lines of stdin or the file that were skipped (and why).

    Arguments are kept as given (a bad one is reported as an ``invalid_url`` result); lines
    read from stdin or ``--from-file`` are checked one at a time as they are read.
    """
    collected: list[str] = []
    skipped: list[str] = []
    for url in urls:
        if url == "-":
            collected.extend(urls_from_lines(sys.stdin.buffer, skipped, source="stdin line"))
        else:
            collected.append(url)
    if from_file is not None:
        with from_file.open("rb") as handle:
            collected.extend(urls_from_lines(handle, skipped, source=f"{from_file} line"))
    return collected, skipped


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


def _valid_urls(urls: list[str], as_json: bool) -> list[str]:
    """The URLs that can be fetched; each of the others is reported as an invalid_url error."""
    valid: list[str] = []
    for url in urls:
        try:
            canonical_url(url)
            valid.append(url)
        except InvalidURL as error:
            _print_result(
                CaptureResult(
                    url=url,
                    requested_url=url,
                    final_url=None,
                    status="error",
                    capture_id=0,
                    error_reason="invalid_url",
                    error=str(error),
                ),
                as_json,
            )
    return valid


@main.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read URLs from a file, one per line ('-' as an argument reads stdin).",
)
@click.option("--no-track", is_flag=True, help="Archive once; never revisit these articles.")
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    help="Seconds between requests to one host (default 0.25, adapted by AutoThrottle).",
)
@render_option
@json_option
@click.pass_obj
def archive(
    obj: Context,
    urls: tuple[str, ...],
    from_file: Path | None,
    no_track: bool,
    delay: float | None,
    render: str | None,
    as_json: bool,
) -> None:
    """Fetch, extract and archive article URLs; a changed article gets a new version.

    Exit status is 0 when every URL was archived (unchanged counts), 1 when any failed or a
    line of the file was skipped (each reported with its line number: not a URL, not http(s),
    longer than 16384 characters, not text). The file is read a line at a time. Ctrl-C
    finishes the pages under way and exits 130 (143 for SIGTERM).

    \b
    Example:
      newsarchive archive https://example.com/news/story.html
      newsarchive archive --json --from-file urls.txt
      newsarchive archive --render always https://example.com/app/story
    """
    from crawler.extraction.pool import launch_fork_server

    if urls or from_file is not None:
        launch_fork_server()  # the extraction workers' imports overlap ours below
    from crawler.runner import run_spider
    from crawler.spiders.archive import ArchiveSpider
    from storage.validators import validators_for

    wanted, skipped = _read_urls(urls, from_file)
    for line in skipped:
        click.echo(f"newsarchive: {output.terminal_safe(line)}", err=True)
    if not wanted and not skipped:
        raise click.UsageError("give at least one URL (or '-' to read them from stdin)")
    valid = _valid_urls(wanted, as_json)
    failed = len(wanted) - len(valid) + len(skipped)
    done = 0

    def on_result(result: CaptureResult) -> None:
        nonlocal done, failed
        done += 1
        failed += result.status == "error"
        _print_result(result, as_json)
        if len(valid) > 5:
            output.progress(done, len(valid), result.url)

    if valid:
        config = with_render(obj.crawl_config(track=not no_track, delay=delay), render)
        with config.open_archive() as archive, archive.read() as session:
            known = validators_for(session, valid)
        summary = run_spider(
            config, ArchiveSpider, "archive", on_result, urls=valid, validators=known
        )
        reason = summary.stop_reason
        if reason in ("interrupted", "shutdown"):
            click.echo(
                f"stopped; run the same command again to resume ({len(valid) - done} URLs left; "
                "those already archived are only checked again)",
                err=True,
            )
            sys.exit(exit_code_for(reason))
        if reason not in ("finished", "unknown"):
            click.echo(f"newsarchive: crawl ended early: {reason}", err=True)
            if exit_code_for(reason) == EXIT_STORAGE_FULL:
                sys.exit(EXIT_STORAGE_FULL)
            failed += 1
        missing = len(valid) - done
        if missing > 0:
            click.echo(f"newsarchive: {missing} URL(s) produced no result", err=True)
            failed += missing
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
