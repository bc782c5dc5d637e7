"""Fixtures shared by every test: a fresh, migrated archive database per test.

The suite runs once per backend. By default each test gets a new SQLite file; with
``NEWSARCHIVE_TEST_BACKEND=postgresql`` and ``NEWSARCHIVE_TEST_POSTGRES`` naming a server
(``.ci/postgres.sh`` starts a throwaway one), each test gets a new PostgreSQL database copied
from a template migrated once per session, and dropped afterwards.

Whole crawls are ``slow``: ``pytest -m "not slow"`` must run none. A guard enforces it. While a
test that is not marked ``slow`` runs (its fixtures' setup and teardown included, so a
module-scoped fixture that crawls counts too), ``subprocess.Popen`` refuses any command line that
``is_crawl_command`` recognises (``newsarchive crawl/archive/revisit/schedule``, ``python -m
crawler ...`` or ``-c`` code importing it, ``scrapy crawl``, ``python -m demosite``, ``make
demo``) and fails the test with a message naming the marker. Every way a test starts a process
(``subprocess.run``, ``Popen``, asyncio subprocesses) goes through ``Popen``, so no helper can
forget the check. Other subprocesses (``scrapy list``, ``newsarchive show``, the demo server) are
allowed: they start no crawl.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import Archive, open_archive

BACKEND = os.environ.get("NEWSARCHIVE_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("NEWSARCHIVE_TEST_POSTGRES", "")
ON_POSTGRES = BACKEND == "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): tests SQLite internals; skipped on the PostgreSQL run"
    )
    config.addinivalue_line(
        "markers", "postgres_only: needs PostgreSQL; skipped unless the PostgreSQL run"
    )
    if BACKEND not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"NEWSARCHIVE_TEST_BACKEND={BACKEND!r}: use sqlite or postgresql")
    if ON_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError(
            "NEWSARCHIVE_TEST_BACKEND=postgresql needs NEWSARCHIVE_TEST_POSTGRES=postgresql+"
            "psycopg://user@host:port/db (run under .ci/postgres.sh, or `make test-postgres`)"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        sqlite_only = item.get_closest_marker("sqlite_only")
        if ON_POSTGRES and sqlite_only is not None:
            reason = sqlite_only.kwargs.get("reason") or (sqlite_only.args or ("SQLite only",))[0]
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
        if not ON_POSTGRES and item.get_closest_marker("postgres_only") is not None:
            item.add_marker(pytest.mark.skip(reason="PostgreSQL run only (make test-postgres)"))


CRAWL_COMMANDS = frozenset({"crawl", "archive", "revisit", "schedule"})


def is_crawl_command(args: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> bool:
    """Whether a subprocess command line runs a whole crawl (see the module docstring)."""
    if isinstance(args, str | os.PathLike):
        argv = shlex.split(os.fspath(args))
    else:
        argv = [os.fspath(arg) for arg in args]
    if not argv:
        return False
    program, words = Path(argv[0]).name, argv[1:]
    module = words[words.index("-m") + 1] if "-m" in words[:-1] else None
    code = words[words.index("-c") + 1] if "-c" in words[:-1] else ""
    if program == "make":
        return "demo" in words
    if module == "demosite":
        return True
    runs_cli = program in ("newsarchive", "scrapy") or module in ("crawler", "scrapy")
    return (runs_cli or "crawler" in code) and not CRAWL_COMMANDS.isdisjoint(words)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    """Fail a test not marked ``slow`` that starts a crawl (in setup, call or teardown)."""
    if item.get_closest_marker("slow") is not None:
        return (yield)
    original = subprocess.Popen.__init__

    def refuse_crawls(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        if is_crawl_command(args):
            pytest.fail(
                f"{item.nodeid} starts a whole crawl ({args!r}) but is not marked slow: add "
                "@pytest.mark.slow (or a module-level pytestmark), so `pytest -m 'not slow'` "
                "stays fast",
                pytrace=False,
            )
        original(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = refuse_crawls  # type: ignore[method-assign]
    try:
        return (yield)
    finally:
        subprocess.Popen.__init__ = original  # type: ignore[method-assign]


@pytest.fixture
def crawl_command_check() -> Any:
    """``is_crawl_command``, for the test of the guard itself."""
    return is_crawl_command


class PostgresServer:
    """Creates and drops databases on the test server (CREATE DATABASE ... TEMPLATE is fast)."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server: set NEWSARCHIVE_TEST_POSTGRES (see .ci/postgres.sh)")
    server = PostgresServer(POSTGRES_URL)
    yield server
    server.admin.dispose()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> Iterator[str]:
    """A database migrated to head once per session, copied for each test."""
    name = f"newsarchive_template_{os.getpid()}"
    postgres_server.drop(name)
    open_archive(postgres_server.create(name), auto_migrate=True).close()
    yield name
    postgres_server.drop(name)


@pytest.fixture
def postgres_db_url(postgres_server: PostgresServer, postgres_template: str) -> Iterator[str]:
    """A fresh PostgreSQL archive at head, dropped after the test."""
    name = f"newsarchive_test_{uuid.uuid4().hex[:12]}"
    url = postgres_server.create(name, template=postgres_template)
    yield url
    postgres_server.drop(name)


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if ON_POSTGRES:
        return str(request.getfixturevalue("postgres_db_url"))
    return f"sqlite:///{tmp_path / 'archive.db'}"


@pytest.fixture
def archive(db_url: str) -> Iterator[Archive]:
    with open_archive(db_url) as opened:
        yield opened
