"""The `newsarchive` command group: its global options and the context they make."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import click

from crawler.cli.commands import COMMANDS
from crawler.cli.errors import (
    command_line_errors,
    refuse_undecodable_arguments,
    reported_errors,
)
from crawler.cli.options import limit_arguments, limit_options
from crawler.config import CrawlConfig
from storage.defaults import DEFAULT_DATABASE_URL
from storage.errors import ArchiveMissing

if TYPE_CHECKING:
    from storage import Archive
    from storage.reading import Reads


@dataclass(frozen=True)
class Context:
    """What the global options decided: the crawl configuration every command starts from."""

    config: CrawlConfig
    verbose: int = 0

    @property
    def database_url(self) -> str:
        return self.config.database_url

    @property
    def allow_private_network(self) -> bool:
        return self.config.allow_private_network

    @property
    def log_level(self) -> str:
        return log_level_for(self.verbose)

    def crawl_config(self, **options: Any) -> CrawlConfig:
        """The crawl configuration the global options decided, plus a command's own options."""
        return replace(self.config, **options)

    def archive(self, url: str | None = None, *, auto_migrate: bool | None = None) -> Archive:
        """The archive (a context manager), opened with the global options' SQLite limits."""
        return self.config.open_archive(url, auto_migrate=auto_migrate)

    def read_archive(self) -> Archive:
        """The archive for a command that only reads: never created, nothing written beside it.

        Works on a read-only file or file system; a missing archive is one clear error.
        """
        try:
            return self.config.open_archive(read_only=True)
        except ArchiveMissing as error:
            raise _missing(error) from None

    @contextmanager
    def reads(self) -> Iterator[Reads]:
        """The archive for the read queries (storage.reading), opened as ``read_archive`` is.

        A current SQLite archive is read through sqlite3 alone, without SQLAlchemy
        (storage/read_only.py): what makes `show`, `list`, `search` and the rest start fast.
        """
        from storage.read_only import open_reads

        with ExitStack() as stack:
            try:
                reads = stack.enter_context(
                    open_reads(self.database_url, busy_timeout=self.config.sqlite_busy_timeout)
                )
            except ArchiveMissing as error:
                raise _missing(error) from None
            yield reads

    def global_arguments(self) -> list[str]:
        """The global options again, for a child `newsarchive` process (`schedule`'s rounds)."""
        arguments = ["--db", self.database_url, *["-v"] * self.verbose]
        if self.allow_private_network:
            arguments.append("--allow-private-network")
        return arguments + limit_arguments(self.config)


def _missing(error: ArchiveMissing) -> ArchiveMissing:
    return ArchiveMissing(f"{error} (use --db or NEWSARCHIVE_DB, or archive something first)")


def _replace_context(ctx: click.Context, context: Context) -> None:
    """Make ``context`` the object of this command and of the groups above it."""
    current: click.Context | None = ctx
    while current is not None:
        current.obj = context
        current = current.parent


def _allow_private_network_here(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`newsarchive CMD --allow-private-network`: the global flag, given after the command."""
    if not value or not isinstance(ctx.obj, Context):
        return
    config = replace(ctx.obj.config, allow_private_network=True)
    _replace_context(ctx, replace(ctx.obj, config=config))


def _database_here(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """`newsarchive CMD --db URL`: the global option, given after the command."""
    if value is None or not isinstance(ctx.obj, Context):
        return
    _replace_context(ctx, replace(ctx.obj, config=replace(ctx.obj.config, database_url=value)))


def _verbose_here(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    """`newsarchive CMD -v`: the global option, given after the command (counts add up)."""
    if not value or not isinstance(ctx.obj, Context):
        return
    verbose = ctx.obj.verbose + value
    config = replace(ctx.obj.config, log_level=log_level_for(verbose))
    _replace_context(ctx, replace(ctx.obj, config=config, verbose=verbose))
    configure_logging(verbose)


def _global_options_after_command() -> list[click.Option]:
    same = "Same as the global option (before or after the command)."
    return [
        click.Option(
            ["--db"], metavar="URL", expose_value=False, callback=_database_here, help=same
        ),
        click.Option(
            ["-v", "--verbose"], count=True, expose_value=False, callback=_verbose_here, help=same
        ),
        click.Option(
            ["--allow-private-network"],
            is_flag=True,
            expose_value=False,
            callback=_allow_private_network_here,
            help=same,
        ),
    ]


def accept_global_flags_after_command(command: click.Command) -> None:
    """Let ``command`` (and the commands of a group) take --db, -v and --allow-private-network.

    New users put them after the command name; they mean the same as before it.
    """
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_global_flags_after_command(sub)
        return
    taken = {name for param in command.params for name in param.opts}
    command.params.extend(
        option for option in _global_options_after_command() if not taken & set(option.opts)
    )


def log_level_for(verbose: int) -> str:
    return ["WARNING", "INFO", "DEBUG"][min(verbose, 2)]


class ArchiveGroup(click.Group):
    """Turns library errors into one clear line on stderr and a distinct exit code.

    Commands are loaded when used: the group imports a command's module (named in
    crawler/cli/commands.py) the first time it is asked for it, and `--help` lists them from
    that table, so a command pays only for its own imports.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(COMMANDS[cmd_name][0])  # its decorator adds it to the group
        command = self.commands.get(cmd_name)
        if command is not None:
            accept_global_flags_after_command(command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as error:  # "Did you mean": from every command
            raise click.exceptions.NoSuchCommand(
                error.command_name, possibilities=self.list_commands(ctx), ctx=ctx
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, without importing the commands not loaded."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is None:
                stand_in = click.Command(name, help=COMMANDS[name][1])  # shortened as click does
                rows.append((name, stand_in.get_short_help_str(limit)))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with reported_errors():  # a bad value in the environment for a global option
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with reported_errors(ctx):
            return super().invoke(ctx)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; whatever goes wrong ends as one `newsarchive: error:` line."""
        arguments = list(sys.argv[1:] if args is None else args)
        prog_name = prog_name or "newsarchive"  # also under `python -m crawler`
        if not standalone_mode:
            return super().main(arguments, prog_name, complete_var, False, **extra)
        refuse_undecodable_arguments(arguments)
        with command_line_errors(arguments):
            code = super().main(arguments, prog_name, complete_var, False, **extra)
        sys.exit(code if isinstance(code, int) else 0)


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
@click.option(
    "--allow-private-network",
    is_flag=True,
    envvar="NEWSARCHIVE_ALLOW_PRIVATE_NETWORK",
    help="Also fetch from loopback, private and link-local addresses (intranet sites, the "
    "offline demo, tests). Off by default, so a public page cannot make newsarchive read an "
    "internal service (env NEWSARCHIVE_ALLOW_PRIVATE_NETWORK=1).",
)
@limit_options
@click.version_option(package_name="newsarchive")
@click.pass_context
def main(
    ctx: click.Context,
    /,
    database_url: str,
    verbose: int,
    allow_private_network: bool,
    **limits: Any,
) -> None:
    """Archive news articles and every later edit to them.

    \b
    Example:
      newsarchive archive https://example.com/news/story.html
      newsarchive history https://example.com/news/story.html
    """
    config = CrawlConfig(
        database_url=database_url,
        allow_private_network=allow_private_network,
        log_level=log_level_for(verbose),
        **{field: value for field, value in limits.items() if value is not None},
    )
    ctx.obj = Context(config=config, verbose=verbose)
    configure_logging(verbose)


def configure_logging(verbose: int) -> None:
    """Log lines on stderr at the level ``verbose`` (-v, -vv) asks for."""
    level = log_level_for(verbose)
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Scrapy sets its own loggers to DEBUG; the handler's level keeps stderr at what -v asked.
    # Without -v, Scrapy's and Twisted's own lines are left out: each outcome is already one
    # line of ours (its reason names what went wrong).
    for handler in logging.root.handlers:
        handler.setLevel(level)
        for old in [f for f in handler.filters if isinstance(f, OwnLinesOnly)]:
            handler.removeFilter(old)
        if verbose == 0:
            handler.addFilter(OwnLinesOnly())
    logging.root.setLevel(level)


class OwnLinesOnly(logging.Filter):
    """Keeps newsarchive's log lines, drops the libraries' (Scrapy, Twisted): shown with -v."""

    FOREIGN = ("scrapy", "twisted", "py.warnings", "asyncio", "filelock", "urllib3", "warcio")

    def filter(self, record: logging.LogRecord) -> bool:
        top = record.name.partition(".")[0]
        return top not in self.FOREIGN
