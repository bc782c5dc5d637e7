"""The `newsarchive` command group: global options, shared flags, and error reporting."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from crawler import output
from crawler.config import CrawlConfig
from storage import (
    DEFAULT_DATABASE_URL,
    Archive,
    DatabaseBusy,
    InvalidURL,
    NotFound,
    StorageError,
    StorageFull,
    open_archive,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_STORAGE_FULL = 3
EXIT_DATABASE_BUSY = 4
EXIT_DATABASE_UNREACHABLE = 5
EXIT_STOPPED = 143  # 128 + SIGTERM: stopped by a signal, in-flight pages finished, state saved

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Context:
    database_url: str
    verbose: int
    allow_private_network: bool = False

    @property
    def log_level(self) -> str:
        return ["WARNING", "INFO", "DEBUG"][min(self.verbose, 2)]

    def crawl_config(self, **options: Any) -> CrawlConfig:
        """The crawl configuration the global options decided, plus a command's own options."""
        return CrawlConfig(
            database_url=self.database_url,
            log_level=self.log_level,
            allow_private_network=self.allow_private_network,
            **options,
        )

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
            _fail(
                f"{error}. Free space (or raise the limit) and run the command again.",
                EXIT_STORAGE_FULL,
            )
        except DatabaseBusy as error:
            _fail(str(error), EXIT_DATABASE_BUSY)
        except (NotFound, InvalidURL) as error:
            _fail(str(error), EXIT_FAILED)
        except StorageError as error:
            _fail(str(error), EXIT_FAILED)
        except OperationalError as error:
            # The server is down, unreachable or refuses us (PostgreSQL); SQLite's own
            # operational errors are StorageErrors by now. The traceback is for -vv.
            log.debug("database error", exc_info=True)
            url = ctx.obj.database_url if isinstance(ctx.obj, Context) else "the database"
            _fail(
                f"cannot use the database at {_safe_url(url)}: {_first_line(error.orig or error)}",
                EXIT_DATABASE_UNREACHABLE,
            )


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database"


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _fail(message: str, code: int) -> None:
    click.echo(f"newsarchive: error: {output.terminal_safe(message)}", err=True)
    sys.exit(code)


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(
        function
    )


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
@click.version_option(package_name="newsarchive")
@click.pass_context
def main(ctx: click.Context, database_url: str, verbose: int, allow_private_network: bool) -> None:
    """Archive news articles and every later edit to them.

    \b
    Example:
      newsarchive archive https://example.com/news/story.html
      newsarchive history https://example.com/news/story.html
    """
    ctx.obj = Context(
        database_url=database_url, verbose=verbose, allow_private_network=allow_private_network
    )
    logging.basicConfig(
        level=ctx.obj.log_level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # Scrapy sets its own loggers to DEBUG; the handler's level keeps stderr at what -v asked.
    for handler in logging.root.handlers:
        handler.setLevel(ctx.obj.log_level)
