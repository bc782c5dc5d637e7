"""Issue 21: what a new user's first mistakes lead to, with the real command and real servers.

Each test runs `newsarchive` (or `python -m demosite`) in a subprocess against servers on
127.0.0.1, a refused port or an unresolvable name, and checks the one line the user sees,
the exit status, and that nothing archived is lost.
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from demosite.response import Response
from demosite.server import DemoServer, serve
from demosite.site import NewsSite
from tests.e2e.conftest import Cli

pytestmark = pytest.mark.slow


def refused_port() -> int:
    """A port nothing listens on: bound, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class _NotASource(http.server.BaseHTTPRequestHandler):
    """404 for /feed.xml, an HTML page for /sitemap.xml."""

    def do_GET(self) -> None:
        if self.path.startswith("/sitemap"):
            body = b"<html><body><p>Our site map, for people.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
        else:
            body = b"not found"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def broken_sources() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotASource)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def no_scrapy_lines(stderr: str) -> None:
    assert "scrapy" not in stderr.lower(), stderr
    assert "Traceback" not in stderr, stderr


def test_archive_of_a_refused_port_says_connection_refused(cli: Cli) -> None:
    url = f"http://127.0.0.1:{refused_port()}/news/story.html"
    done = cli("archive", url)
    assert done.code == 1
    assert "connection_refused" in done.stdout + done.stderr
    assert "robots_unavailable" not in done.stdout + done.stderr
    no_scrapy_lines(done.stderr)
    verbose = cli("-v", "archive", url)
    assert "scrapy" in verbose.stderr  # -v shows the libraries' lines


def test_archive_of_an_unresolvable_name_says_dns_error(cli: Cli) -> None:
    done = cli("archive", "--json", "http://nonexistent.invalid/story.html")
    assert done.code == 1
    [result] = done.json_lines()
    assert result["error_reason"] == "dns_error"
    no_scrapy_lines(done.stderr)


def test_crawl_of_a_404_feed_warns_and_fails(cli: Cli, broken_sources: str) -> None:
    feed = broken_sources + "/feed.xml"
    done = cli("crawl", "--feed", feed, "--delay", "0")
    assert done.code == 1, done.stderr
    assert f"warning: feed {feed} could not be read: http_404" in done.stderr
    assert "nothing was archived" in done.stderr
    no_scrapy_lines(done.stderr)


def test_crawl_of_an_html_page_as_sitemap_warns_and_fails(cli: Cli, broken_sources: str) -> None:
    sitemap = broken_sources + "/sitemap.xml"
    done = cli("crawl", "--sitemap", sitemap, "--delay", "0")
    assert done.code == 1, done.stderr
    assert f"warning: sitemap {sitemap} could not be read: unreadable" in done.stderr


def test_a_crawl_that_archives_exits_0_without_warnings(cli: Cli, news_site: DemoServer) -> None:
    done = cli("crawl", "--site", news_site.url + "/", "--delay", "0", "--max-articles", "3")
    assert done.code == 0, done.stderr
    assert "warning" not in done.stderr


def _start_crawl(tmp_path: Path, db_url: str, site: DemoServer) -> subprocess.Popen[str]:
    env = {**os.environ, "NEWSARCHIVE_DB": db_url, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--site", site.url + "/", "--delay", "0.3"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_crawl_says_how_to_resume(
    tmp_path: Path, db_url: str, signum: int, code: int
) -> None:
    with serve(NewsSite(articles=30)) as site:
        crawl = _start_crawl(tmp_path, db_url, site)
        assert crawl.stderr is not None
        lines = []
        for line in crawl.stderr:  # wait for the first archived article
            lines.append(line)
            if line.startswith("new"):
                break
        crawl.send_signal(signum)
        _, rest = crawl.communicate(timeout=60)
    stderr = "".join(lines) + rest
    assert crawl.returncode == code, stderr
    assert "stopped; run the same command again to resume (" in stderr
    left = int(stderr.split("resume (")[1].split(" URLs left")[0])
    assert left > 0
    no_scrapy_lines(stderr)


class HeldSite(NewsSite):
    """The demo site answering the first article asked for at once and holding every later one
    until ``release`` is set (at most a minute)."""

    def __init__(self, articles: int) -> None:
        super().__init__(articles)
        self.release = threading.Event()
        self._asked = 0
        self._lock = threading.Lock()

    def render(
        self, target: str, base_url: str, nonce: int = 0, rendered_at: datetime | None = None
    ) -> Response:
        if target.split("?")[0] in self.article_paths():
            with self._lock:
                self._asked += 1
                later = self._asked > 1
            if later:
                self.release.wait(60)
        return super().render(target, base_url, nonce, rendered_at)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_archive_says_how_to_resume(
    tmp_path: Path, db_url: str, signum: int, code: int
) -> None:
    """`archive` of many URLs on a slow host, stopped after its first page: one line, 130/143.

    The site holds every page after the first until the stop is sent: under heavy load the
    first result can take many seconds to be printed (the extraction workers start), and the
    stop must still find pages left, however long that took.
    """
    env = {**os.environ, "NEWSARCHIVE_DB": db_url, "PYTHONUNBUFFERED": "1"}
    held = HeldSite(articles=40)
    with serve(held) as site:
        urls = [site.url + path for path in site.site.article_paths()]
        command = [sys.executable, "-m", "crawler", "archive", "--delay", "1", *urls]
        with subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        ) as archive:  # fmt: skip
            assert archive.stdout is not None
            assert archive.stderr is not None
            first = archive.stdout.readline()  # the first archived page
            archive.send_signal(signum)
            held.release.set()  # the pages in flight are answered, as a slow host would
            # Read on through the buffer readline filled (communicate() would skip it).
            rest = archive.stdout.read()
            stderr = archive.stderr.read()
            archive.wait(timeout=60)
    assert first.startswith("new"), first + stderr
    assert archive.returncode == code, stderr
    assert "stopped; run the same command again to resume (" in stderr
    left = int(stderr.split("resume (")[1].split(" URLs left")[0])
    assert 0 < left < 40
    assert left == 40 - len([first, *rest.splitlines()])
    no_scrapy_lines(stderr)


def test_archive_again_sends_validators_and_records_not_modified(
    cli: Cli, news_site: DemoServer
) -> None:
    url = news_site.url + news_site.site.article_paths()[0]
    assert cli("archive", "--delay", "0", url).code == 0
    again = cli("archive", "--json", "--delay", "0", url)
    assert again.code == 0, again.stderr
    assert [r["status"] for r in again.json_lines()] == ["not_modified"]
    path = news_site.site.article_paths()[0]
    second = [r for r in news_site.requests if r.path == path][-1]
    assert second.header("If-None-Match") or second.header("If-Modified-Since")
    assert second.status == 304


def test_allow_private_network_after_the_command_name(tmp_path: Path, db_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK"}
    env["NEWSARCHIVE_DB"] = db_url
    with serve(NewsSite(articles=2)) as site:
        url = site.url + site.site.article_paths()[0]
        refused = subprocess.run(
            [sys.executable, "-m", "crawler", "archive", "--delay", "0", url],
            env=env, capture_output=True, text=True, cwd=tmp_path, check=False,
        )  # fmt: skip
        assert "private_network" in refused.stdout + refused.stderr
        after = subprocess.run(
            [sys.executable, "-m", "crawler", "archive", "--delay", "0", url,
             "--allow-private-network"],
            env=env, capture_output=True, text=True, cwd=tmp_path, check=False,
        )  # fmt: skip
    assert after.returncode == 0, after.stderr


def test_demo_help_runs_nothing_and_deletes_nothing(tmp_path: Path) -> None:
    kept = tmp_path / "demo-archive" / "newsarchive.db"
    kept.parent.mkdir()
    kept.write_bytes(b"an archive from an earlier demo")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "demosite", "--help"],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0
    assert "usage: python -m demosite" in done.stdout
    assert "serving" not in done.stdout
    assert kept.read_bytes() == b"an archive from an earlier demo"
    assert time.monotonic() - started < 20


def test_crawl_of_an_unknown_site_says_where_it_looked(cli: Cli, tmp_path: Path) -> None:
    done = cli("crawl", "mysite")
    assert done.code == 2
    assert "no site named 'mysite': there is no sites file ./sites.toml" in done.stderr
    (tmp_path / "mine.toml").write_text(
        '[[site]]\nname = "daily"\nfeeds = ["https://daily.example/rss.xml"]\n'
    )
    named = cli("crawl", "mysite", "--config", "mine.toml")
    assert named.code == 2
    assert "no site named 'mysite' in mine.toml (sites there: daily)" in named.stderr
    assert len(named.stderr.strip().splitlines()) == 1
