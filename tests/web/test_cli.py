"""`newsarchive serve`: registered, documented, and serving on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from click.testing import CliRunner

from crawler.cli import main
from storage import Archive


def test_serve_is_a_documented_command() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "--host" in result.output
    assert "[default: 127.0.0.1]" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_on_loopback(db_url: str, archive: Archive) -> None:
    """An archive exists (serve, a read-only command, never creates one)."""
    port = free_port()
    command = [sys.executable, "-c", "from crawler.cli import main; main()"]
    process = subprocess.Popen(
        [*command, "--db", db_url, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60  # start-up on a loaded machine
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    assert answer.status == 200
                    assert answer.headers["x-content-type-options"] == "nosniff"
                    assert answer.headers.get("server") is None
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert f"on http://127.0.0.1:{port}/" in stderr.decode()
