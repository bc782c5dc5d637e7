"""Exit codes, and the one place that turns an error or a crawl's outcome into a message and one."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click
from click.core import ParameterSource
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from crawler import output
from storage import DatabaseBusy, InvalidURL, StorageError, StorageFull

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STORAGE_FULL = 3
EXIT_DATABASE_BUSY = 4
EXIT_DATABASE_UNREACHABLE = 5
EXIT_LOCKED = 6  # another scheduler works on this archive
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
    "shutdown": EXIT_STOPPED,
}

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
    except OperationalError as error:
        # The server is down, unreachable or refuses us (PostgreSQL); SQLite's own
        # operational errors are StorageErrors by now. The traceback is for -vv.
        log.debug("database error", exc_info=True)
        url = _safe_url(getattr(ctx.obj, "database_url", None) if ctx else None)
        fail(
            f"cannot use the database at {url}: {_first_line(error.orig or error)}",
            exit_code_for("database_unreachable"),
        )
    except click.BadParameter as error:
        variable = _environment_variable(error)
        if variable is None:
            raise  # a flag typed on the command line: click shows the usage with it
        fail(f"{variable}: {error.message}", exit_code_for("usage"))


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
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database"


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
