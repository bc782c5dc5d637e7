"""`schedule`, `due` and `revisit`: keeping archived articles and sites checked over time."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from crawler import output
from crawler.cli.app import Context, main
from crawler.cli.errors import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_STOPPED,
    EXIT_STORAGE_FULL,
    exit_code_for,
    reported_errors,
)
from crawler.cli.options import json_option, render_option, with_render
from crawler.cli.sites import DEFAULT_SITES_FILE, load_configured_sites, sites_option
from crawler.config import CrawlConfig
from crawler.owners import new_owner_id, owner_pid
from storage import CaptureResult
from storage.timeutil import utcnow

if TYPE_CHECKING:
    from crawler.sites import SiteConfig

# crawler.scheduling and crawler.cli.crawl import Scrapy: imported inside the commands (and only
# by a round, never by the long-running scheduler process itself), so that
# loading the command line (for `show`, `list`, `--help` ...) does not.

IDLE_POLL_SECONDS = 60.0
ROUNDS_PER_PROCESS = 100  # then a fresh process: whatever a long-lived one accumulates is let go
LEASED_POLL_SECONDS = 5.0


def _print_change(result: CaptureResult) -> None:
    if result.status in ("new", "changed"):
        version = result.version or "-"
        click.echo(f"{result.status:<8} v{version:<3} {output.terminal_safe(result.url)}", err=True)


def _check_worker_id(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    from crawler.scheduler_lock import WORKER_ID

    if value is not None and not WORKER_ID.match(value):
        raise click.BadParameter("use 1-24 letters, digits, '.', '_' or '-' (e.g. host-a)")
    return value


@main.command()
@sites_option
@click.option("--once", is_flag=True, help="Do what is due now and exit (for cron / timers).")
@click.option(
    "--worker-id",
    envvar="NEWSARCHIVE_WORKER_ID",
    callback=_check_worker_id,
    help="Cooperate with other workers on this database (one id per worker, e.g. host-a).",
)
# The long-running scheduler starts its rounds' process ahead of time with --standby: it gets
# ready (crawler.warmup), then does one round per "go" line on standard input, in one reactor
# (crawler/rounds.py), and exits at the end of its input.
@click.option("--standby", is_flag=True, hidden=True)
# The scheduler hands its lock owner id to its rounds' process, which works under its lock
# (never releasing it) and dies with the scheduler (crawler/lifeline.py).
@click.option("--scheduler-owner", "owner", hidden=True)
@render_option
# Where the rounds' process writes each round's exit status, one line per round.
@click.option("--report-fd", type=int, hidden=True)
# How many rounds one process does before the scheduler starts a fresh one.
@click.option(
    "--rounds-per-process",
    type=click.IntRange(min=1),
    default=ROUNDS_PER_PROCESS,
    envvar="NEWSARCHIVE_ROUNDS_PER_PROCESS",
    hidden=True,
)
@json_option
@click.pass_obj
def schedule(
    obj: Context,
    config_path: Path | None,
    once: bool,
    worker_id: str | None,
    standby: bool,
    owner: str | None,
    render: str | None,
    report_fd: int | None,
    rounds_per_process: int,
    as_json: bool,
) -> None:
    """Crawl each configured site on its interval and revisit articles when they come due.

    Runs until stopped (SIGTERM or Ctrl-C finish the pages in flight, then exit with 143).
    Only one scheduler works on an archive at a time: a second one exits at once (status 6),
    naming the one that runs. The lock of a scheduler killed on this machine is taken over at
    once; one of another machine's, when it expires (5 minutes without renewal).
    Schedulers with distinct --worker-id values share the work instead (one PostgreSQL, many
    processes or machines): each site is discovered by one of them at a time, articles are
    leased without overlap, and each host's delay holds across all of them.

    \b
    Example:
      newsarchive schedule --config sites.toml --once     # from cron or a systemd timer
      newsarchive schedule --config sites.toml            # as a long-running service
      newsarchive schedule --config sites.toml --worker-id host-a   # one of several workers
    """
    if owner is not None:
        from crawler.lifeline import die_with_parent  # ctypes: only a round needs it

        # A round of a running scheduler: it must not outlive it (kill -9 included).
        die_with_parent(owner_pid(owner))
    sites = load_configured_sites(config_path)
    if owner is None and config_path is None and not sites:
        click.echo(
            f"newsarchive: warning: no sites file ./{DEFAULT_SITES_FILE}: only revisits of "
            "archived articles are scheduled (pass --config FILE to crawl sites)",
            err=True,
        )
    config = with_render(obj.crawl_config(), render, sites)
    if standby and not once:
        raise click.UsageError("--standby goes with --once")
    if once:
        if standby:
            sys.exit(_serve_rounds(config, sites, worker_id, owner, report_fd, as_json))
        # Scrapy's side: imported for a round only, never by the long-running scheduler.
        from crawler.cli.crawl import print_summary
        from crawler.scheduling import SchedulerBusy, run_due_work

        try:
            summary = run_due_work(config, sites, _print_change, worker_id=worker_id, owner=owner)
        except SchedulerBusy as error:
            click.echo(f"newsarchive: {error}", err=True)
            sys.exit(exit_code_for("locked"))
        print_summary(summary, as_json)
        sys.exit(exit_code_for(summary.finish_reason))
    sys.exit(
        _serve_schedule(
            obj,
            config_path,
            len(sites),
            worker_id=worker_id,
            render=render,
            rounds_per_process=rounds_per_process,
        )
    )


def _serve_rounds(
    config: CrawlConfig,
    sites: list[SiteConfig],
    worker_id: str | None,
    owner: str | None,
    report_fd: int | None,
    as_json: bool,
) -> int:
    """Warm up, then do one round per "go" line on standard input, all in this process.

    Each round's exit status goes to ``report_fd`` (one line), and the last one is this
    process's, or 130/143 when a signal stopped it.
    """
    from crawler.cli.crawl import print_summary
    from crawler.rounds import RoundProcess
    from crawler.scheduling import SchedulerBusy, run_due_work
    from crawler.warmup import warm_up_crawl

    # Ctrl-C reaches the whole process group; while waiting, the scheduler decides what stops.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        warm_up_crawl(config.scrapy_settings())
    finally:
        signal.signal(signal.SIGINT, previous)
    report = os.fdopen(report_fd, "w", buffering=1) if report_fd is not None else None

    def wait_for_go() -> bool:
        return sys.stdin.readline().strip() == "go"

    def run_round(rounds: RoundProcess) -> int:
        try:
            # A storage error is one line and its exit status, as for a round of its own.
            with reported_errors():
                summary = run_due_work(
                    config, sites, _print_change, worker_id=worker_id, owner=owner, rounds=rounds
                )
        except SchedulerBusy as error:
            click.echo(f"newsarchive: {error}", err=True)
            code = exit_code_for("locked")
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else EXIT_FAILED
        else:
            print_summary(summary, as_json)
            code = exit_code_for(summary.finish_reason)
        if report is not None:
            with contextlib.suppress(OSError):  # the scheduler is gone; this process goes too
                report.write(f"{code}\n")
        return code

    rounds = RoundProcess(config.scrapy_settings())
    code = rounds.serve(wait_for_go, run_round)
    if rounds.stop_signal is not None:
        return 128 + rounds.stop_signal
    return code


def _serve_schedule(
    obj: Context,
    config_path: Path | None,
    sites_count: int,
    worker_id: str | None = None,
    render: str | None = None,
    rounds_per_process: int = ROUNDS_PER_PROCESS,
) -> int:
    """The long-running loop: hold the lock, have each cycle's round done, sleep until due.

    The lock is this process's for its whole life (renewed by a thread, released only on the
    way out); each round works under it with this process's owner id, and dies with it.
    Rounds run in a child process started ahead of time (`schedule --once --standby`): it
    imports and starts its extraction fork server while this loop sleeps, then does one round
    per "go", keeping all that warm between rounds, and reports each round's status on a pipe.
    After ``rounds_per_process`` rounds, or if it dies, a fresh one takes over.
    """
    stopping = {"signal": 0}
    worker: _RoundWorker | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping["signal"] = signum
        if worker is not None and worker.in_round:
            worker.process.send_signal(signal.SIGTERM)

    from crawler.scheduler_lock import SchedulerBusy, SchedulerLock, scheduler_lock_name

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    owner = new_owner_id()
    command = [sys.executable, "-m", "crawler", *obj.global_arguments()]
    command += ["schedule", "--once", "--standby", "--scheduler-owner", owner]
    if config_path is not None:
        command += ["--config", str(config_path)]
    if worker_id is not None:
        command += ["--worker-id", worker_id]
    if render is not None:
        command += ["--render", render]

    with obj.archive() as archive:
        lock = SchedulerLock(archive, owner, scheduler_lock_name(worker_id))
        try:
            lock.acquire()
        except SchedulerBusy as error:
            click.echo(f"newsarchive: {error}", err=True)
            return EXIT_LOCKED
        click.echo(f"scheduler {owner} started for {sites_count} site(s)", err=True)
        try:
            while not stopping["signal"]:
                worker = worker or _RoundWorker(command)
                code = worker.round()
                if code not in (EXIT_OK, EXIT_FAILED):
                    click.echo(f"newsarchive: scheduled run ended with status {code}", err=True)
                    if code in (EXIT_STORAGE_FULL, EXIT_LOCKED):
                        return code
                if not worker.alive or worker.rounds >= rounds_per_process:
                    worker.dismiss()
                    worker = None
                if not stopping["signal"]:
                    worker = worker or _RoundWorker(command)  # gets ready while we sleep
                _sleep_until_due(stopping, obj, config_path)
        finally:
            if worker is not None:
                worker.dismiss()
            lock.release()
    return EXIT_STOPPED if stopping["signal"] else EXIT_OK


class _RoundWorker:
    """The process that does a running scheduler's rounds: told "go", its status read back."""

    def __init__(self, command: list[str]) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            [*command, "--report-fd", str(write)], stdin=subprocess.PIPE, pass_fds=(write,)
        )
        os.close(write)
        self._reports = os.fdopen(read, "r")
        self.rounds = 0
        self.in_round = False
        self.alive = True

    def round(self) -> int:
        """Do one round; its exit status (the process's own, if it ended instead)."""
        self.rounds += 1
        assert self.process.stdin is not None
        self.in_round = True
        try:
            self.process.stdin.write(b"go\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        try:
            line = self._reports.readline().strip()
        finally:
            self.in_round = False
        if line.isdigit():
            return int(line)
        self.alive = False
        return self.process.wait()

    def dismiss(self) -> None:
        """Let the process go: end of input makes it exit (killed if it does not in 30 s)."""
        self.alive = False
        _tell(self.process, b"")
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reports.close()


def _tell(child: subprocess.Popen[bytes], line: bytes) -> None:
    """Write ``line`` to the child's input and close it (a child that died reads nothing)."""
    assert child.stdin is not None
    try:
        child.stdin.write(line)
        child.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _sleep_until_due(stopping: dict[str, int], obj: Context, config_path: Path | None) -> None:
    from crawler.due import due_report

    sites = load_configured_sites(config_path)
    with obj.archive() as archive, archive.read() as session:
        report = due_report(session, sites, utcnow())
    upcoming = [s.next_discovery_at for s in report.sites]
    upcoming += [r.next_at for r in report.revisits if r.next_at is not None]
    wait = IDLE_POLL_SECONDS
    if report.articles_waiting:
        # Articles another worker discovered while this one ran: fetch them now.
        wait = 1.0
    elif report.articles_leased:
        # Held by other workers: look again soon, in case one died and its leases expire.
        wait = LEASED_POLL_SECONDS
    elif upcoming:
        wait = min(wait, max(1.0, (min(upcoming) - utcnow()).total_seconds()))
    deadline = time.monotonic() + wait
    while not stopping["signal"] and time.monotonic() < deadline:
        time.sleep(min(1.0, deadline - time.monotonic()))


@main.command()
@sites_option
@click.option(
    "--queued",
    is_flag=True,
    help="List each article discovered and not fetched yet (what a crawl --max-articles run "
    "left queued), soonest due first.",
)
@json_option
@click.pass_obj
def due(obj: Context, config_path: Path | None, queued: bool, as_json: bool) -> None:
    """What is due next: each configured site's discovery, and revisits of archived articles.

    Articles discovered and not fetched yet (a crawl stopped early, or limited with
    --max-articles) stay queued; their number is shown, and --queued lists them.

    \b
    Example:
      newsarchive due --config sites.toml --json
      newsarchive due --queued
    """
    from crawler.due import due_report

    if queued:
        _print_queued(obj, as_json)
        return
    sites = load_configured_sites(config_path)
    with obj.reads() as reads:
        report = due_report(reads, sites, utcnow())
    if as_json:
        output.print_json(report)
        return
    now = report.now
    if report.sites:
        rows = [
            (s.name, "now" if s.due_now else output.format_time(s.next_discovery_at))
            for s in report.sites
        ]
        click.echo(output.table(["site", "next discovery"], rows))
        click.echo()
    revisit_rows = [(r.scope, r.due_now, output.format_time(r.next_at)) for r in report.revisits]
    click.echo(output.table(["scope", "revisits due now", "next revisit"], revisit_rows))
    click.echo(
        f"\narticles discovered and waiting to be fetched: {report.articles_waiting}"
        + (f" ({report.articles_leased} being fetched)" if report.articles_leased else "")
    )
    click.echo(f"(as of {output.format_time(now)})", err=True)


def _print_queued(obj: Context, as_json: bool) -> None:
    """`due --queued`: each article not fetched yet, one a line (a JSON object with --json)."""
    from storage.frontier_due import queued_articles

    with obj.reads() as reads:
        for article in queued_articles(reads):
            if as_json:
                output.print_json(article)
            else:
                when = output.format_time(article.due_at) if article.due_at else "-"
                click.echo(
                    f"{when}  {output.terminal_safe(article.scope)}  "
                    f"{output.terminal_safe(article.url)}"
                )


@main.command()
@click.argument("urls", nargs=-1)
@click.option("--site", help="Every archived article of this site (configured name or host).")
@click.option("--all", "everything", is_flag=True, help="Every archived article.")
@render_option
@json_option
@click.pass_obj
def revisit(
    obj: Context,
    urls: tuple[str, ...],
    site: str | None,
    everything: bool,
    render: str | None,
    as_json: bool,
) -> None:
    """Re-check archived articles now, whatever the schedule says.

    \b
    Example:
      newsarchive revisit https://example.com/news/story.html
      newsarchive revisit --site example.com
    """
    from crawler.cli.crawl import print_summary
    from crawler.scheduling import revisit_now

    if sum(bool(x) for x in (urls, site, everything)) != 1:
        raise click.UsageError("give URLs, --site or --all (one of them)")
    config = with_render(obj.crawl_config(), render)

    def on_result(result: CaptureResult) -> None:
        if as_json:
            output.print_json(
                {
                    "url": result.url,
                    "status": result.status,
                    "version": result.version,
                    "title": result.title,
                    "error": result.error,
                    "error_reason": result.error_reason,
                }
            )
        else:
            _print_change(result)

    summary = revisit_now(config, urls=list(urls) or None, site=site, on_result=on_result)
    print_summary(summary, as_json=False)
    code = exit_code_for(summary.finish_reason)
    if code == EXIT_OK and summary.errors:
        code = EXIT_FAILED
    sys.exit(code)
