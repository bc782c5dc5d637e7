"""A database server that cannot be reached is one line on stderr and exit status 5."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from crawler.cli import main
from crawler.cli.errors import EXIT_DATABASE_UNREACHABLE


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_postgresql_server_is_one_clear_line() -> None:
    url = f"postgresql+psycopg://reader:secret@127.0.0.1:{closed_port()}/news"
    result = CliRunner().invoke(main, ["--db", url, "due"])
    assert result.exit_code == EXIT_DATABASE_UNREACHABLE
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("newsarchive: error: cannot use the database at postgresql")
    assert "refused" in lines[0]
    assert "secret" not in lines[0]  # the password is not shown
    assert "Traceback" not in result.output
