"""Exit codes, and the one place that turns an error or a crawl's outcome into a message and one."""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

import click
from click.core import ParameterSource

from crawler import output
from storage.errors import DatabaseBusy, StorageError, StorageFull
from storage.urls import InvalidURL

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STORAGE_FULL = 3
EXIT_DATABASE_BUSY = 4
EXIT_DATABASE_UNREACHABLE = 5
EXIT_LOCKED = 6  # another scheduler works on this archive
EXIT_INTERRUPTED = 130  # 128 + SIGINT (Ctrl-C): in-flight pages finished, state saved
EXIT_STOPPED = 143  # 128 + SIGTERM: stopped by a signal, in-flight pages finished, state saved

# A crawl's finish reason (RunSummary.finish_reason) or a failure's name -> the exit status.
# Any other reason (a crawl that failed to start, an unknown end) is a failure.
EXIT_CODES = {
    "finished": EXIT_OK,
    "failed": EXIT_FAILED,
    "usage": EXIT_USAGE,
    "storage_full": EXIT_STORAGE_FULL,
    "database_busy": EXIT_DATABASE_BUSY,
    "database_unreachable": EXIT_DATABASE_UNREACHABLE,
    "locked": EXIT_LOCKED,
    "interrupted": EXIT_INTERRUPTED,
    "shutdown": EXIT_STOPPED,
}

# Each exit code with the sentence docs/cli.md gives it (a test checks the two agree).
EXIT_CODE_MEANINGS = {
    EXIT_OK: "The command did what it was asked (a crawl finished with something fetched).",
    EXIT_FAILED: "The command failed: a bad input, nothing could be fetched, or an unexpected "
    "error (run it again with -v for the cause).",
    EXIT_USAGE: "The command line is wrong: an unknown command or option, a missing argument, "
    "a malformed value or database URL.",
    EXIT_STORAGE_FULL: "The disk (or the SQLite size limit) is full; everything written before "
    "is kept.",
    EXIT_DATABASE_BUSY: "Another process held the archive's write lock for longer than the "
    "busy timeout.",
    EXIT_DATABASE_UNREACHABLE: "The database cannot be used: the server is down or refuses us, "
    "or the file is not an archive (it is left untouched).",
    EXIT_LOCKED: "Another scheduler already works on this archive.",
    EXIT_INTERRUPTED: "Stopped by Ctrl-C (SIGINT); run the same command again to resume.",
    EXIT_STOPPED: "Stopped by SIGTERM; run the same command again to resume.",
}

_SQLITE_URL_FORMS = (
    "write sqlite:///relative/path.db (three slashes) or sqlite:////absolute/path.db (four)"
)

log = logging.getLogger(__name__)


def exit_code_for(reason: str) -> int:
    """The exit status of a command whose crawl (or work) ended for ``reason``."""
    return EXIT_CODES.get(reason, EXIT_FAILED)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Stop the command: one line on stderr, and ``code`` as the exit status."""
    click.echo(f"newsarchive: error: {output.terminal_safe(message)}", err=True)
    sys.exit(code)


@contextmanager
def reported_errors(ctx: click.Context | None = None) -> Iterator[None]:
    """Library errors, and bad values in the environment, as one line and their exit code.

    ``ctx`` is the group's context: its object, once the group has made it, names the database.
    """
    try:
        yield
    except StorageFull as error:
        fail(
            f"{error}. Free space (or raise the limit) and run the command again.",
            exit_code_for("storage_full"),
        )
    except DatabaseBusy as error:
        fail(str(error), exit_code_for("database_busy"))
    except (StorageError, InvalidURL) as error:  # NotFound is a StorageError too
        fail(str(error), exit_code_for("failed"))
    except _sqlalchemy_error("ArgumentError") as error:
        if "url" not in str(error).lower():
            raise
        fail(_bad_url_message(getattr(ctx.obj, "database_url", None) if ctx else None), EXIT_USAGE)
    except (_sqlalchemy_error("DatabaseError"), sqlite3.DatabaseError) as error:
        # The server is down, unreachable or refuses us (PostgreSQL), or the file went bad
        # under a read-only command's own sqlite3 connection (storage/read_only.py); SQLite's
        # operational errors on the write path are StorageErrors by now. The traceback is for -vv.
        log.debug("database error", exc_info=True)
        url = _safe_url(getattr(ctx.obj, "database_url", None) if ctx else None)
        cause = _first_line(getattr(error, "orig", None) or error)
        if "not a database" in cause:
            cause += " (not an SQLite archive; the file was left untouched)"
        fail(
            f"cannot use the database at {url}: {cause}",
            exit_code_for("database_unreachable"),
        )
    except click.BadParameter as error:
        variable = _environment_variable(error)
        if variable is None:
            raise  # a flag typed on the command line: command_line_errors reports it
        fail(f"{variable}: {error.message}", exit_code_for("usage"))


class _NeverRaised(Exception):
    """Stands for a SQLAlchemy error while SQLAlchemy is not loaded: nothing can have raised it."""


def _sqlalchemy_error(name: str) -> type[Exception]:
    """``sqlalchemy.exc.<name>`` once SQLAlchemy is loaded (`--help`, `--version` never load it)."""
    module = sys.modules.get("sqlalchemy.exc")
    error: type[Exception] = getattr(module, name) if module is not None else _NeverRaised
    return error


def _bad_url_message(url: str | None, option: str = "--db") -> str:
    shown = output.terminal_safe(url) if url else "''"
    return f"{option} {shown}: {database_url_problem(url or '')}"


def database_url_problem(url: str) -> str:
    """Why ``url`` is not a usable database URL (the right forms of an SQLite one)."""
    if url.startswith("sqlite:") and not url.startswith("sqlite:///"):
        return f"malformed SQLite URL: {_SQLITE_URL_FORMS}"
    return (
        "not a database URL (e.g. sqlite:///archive.db, "
        "postgresql+psycopg://user@host/name); " + _SQLITE_URL_FORMS
    )


def checked_database_url(_ctx: click.Context, _param: click.Parameter, url: str) -> str:
    """A click callback: ``url`` if it is a database URL, else a usage error saying the forms."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError:
        raise click.BadParameter(database_url_problem(url)) from None
    if url.startswith("sqlite:") and not url.startswith("sqlite:///"):
        raise click.BadParameter(database_url_problem(url))
    return url


def asked_for_detail(arguments: Sequence[str]) -> bool:
    """Whether the command line has -v (or the group saw it): the traceback is then shown."""
    return any(
        arg == "--verbose" or (arg.startswith("-v") and set(arg[1:]) == {"v"}) for arg in arguments
    )


def _usage_message(error: click.UsageError) -> str:
    message = " ".join(error.format_message().split())
    ctx = error.ctx
    if ctx is None:
        return message
    path = ctx.command_path
    if isinstance(error, click.NoSuchOption) and ctx.parent is not None:
        root = ctx.find_root().command
        if any(error.option_name in param.opts for param in root.params):
            command = path.partition(" ")[2]
            return (
                f"{error.option_name} is a global option: give it before the command name "
                f"('newsarchive {error.option_name} ... {command} ...')"
            )
    return f"{message} (see '{path} --help')"


def refuse_undecodable_arguments(arguments: Sequence[str]) -> None:
    """Stop with one line when an argument is not text (bytes the locale could not decode)."""
    for number, argument in enumerate(arguments, start=1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = argument.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            fail(f"argument {number} ({shown[:80]}) is not valid UTF-8 text", EXIT_USAGE)


@contextmanager
def command_line_errors(arguments: Sequence[str]) -> Iterator[None]:
    """Whatever escapes a command, as one line on stderr and its exit code (never a traceback).

    The traceback is shown only with -v. Ctrl-C outside a crawl exits 130.
    """
    try:
        yield
    except click.exceptions.NoArgsIsHelpError as error:
        # `newsarchive` or `newsarchive db` alone: the help, as asked for, not an error line.
        click.echo(error.format_message())
        sys.exit(EXIT_OK)
    except click.UsageError as error:
        fail(_usage_message(error), error.exit_code)
    except click.ClickException as error:
        fail(" ".join(error.format_message().split()), error.exit_code)
    except (KeyboardInterrupt, click.Abort):
        click.echo("newsarchive: stopped (Ctrl-C)", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # `newsarchive list | head`: the reader has gone; nothing more to say to it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_OK)
    except OSError as error:  # a file or folder a command was pointed at
        if asked_for_detail(arguments):
            traceback.print_exc(file=sys.stderr)
        where = f"{error.filename}: " if error.filename else ""
        fail(f"{where}{error.strerror or _first_line(error)}", EXIT_FAILED)
    except Exception as error:  # the last resort: one line, the cause with -v
        if asked_for_detail(arguments):
            traceback.print_exc(file=sys.stderr)
        fail(
            f"unexpected {type(error).__name__}: {_first_line(error)} "
            "(run the command again with -v for the details)",
            EXIT_FAILED,
        )


def _environment_variable(error: click.BadParameter) -> str | None:
    """The variable a bad value came from, or None when it was not the environment."""
    ctx, param = error.ctx, error.param
    if ctx is None or param is None or param.name is None:
        return None
    if ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT:
        return None
    envvar = param.envvar
    return envvar if isinstance(envvar, str) else None


def _safe_url(url: str | None) -> str:
    if url is None:
        return "the database"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database"


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
