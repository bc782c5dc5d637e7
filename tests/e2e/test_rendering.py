"""`--render` with a real headless Chromium (Debian's) on pages served on 127.0.0.1.

Skips with the reason when the render extra or a Chromium is missing (CI installs both:
.ci/run apt-installs chromium, `make setup` installs the extra). Every test also checks that no
browser process of the command outlives it: each command runs with a marker in its
environment, which the browser inherits, and /proc is searched for it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from crawler.rendering.modes import renderer_missing
from storage import open_archive
from storage.models import Capture
from storage.rawbodies import load_raw_body
from tests.crawler.extraction.javascript_pages import SHELLS, Story

from .conftest import Cli, CliResult
from .test_javascript_pages import ShellSite

pytestmark = [
    pytest.mark.slow,  # whole crawls in subprocesses
    pytest.mark.skipif(
        renderer_missing() is not None,
        reason=f"no renderer: {renderer_missing()} (pip install -e '.[render]'; "
        "apt-get install chromium)",
    ),
]

MARK = "NEWSARCHIVE_RENDER_TEST_MARK"

# Pages that misbehave in a browser; each fills (or would fill) the #root of an app shell.
SHELL_HEAD = "<!doctype html><html><head><title>Daily Planet</title></head><body>"
BAD_PAGES = {
    # Scripts that never finish: the page never loads.
    "/spin.html": SHELL_HEAD + "<div id='root'></div><script>for (;;) {}</script></body></html>",
    # Navigates to itself again and again.
    "/loop.html": SHELL_HEAD + "<div id='root'></div><script>"
    "location.replace('/loop.html?' + Date.now() + Math.random())</script></body></html>",
    # Navigates away to another site (the browser may not follow it).
    "/away.html": SHELL_HEAD + "<div id='root'></div><script>"
    "location.href = 'http://elsewhere.invalid/story'</script></body></html>",
    # Builds a DOM of some megabytes.
    "/huge.html": SHELL_HEAD + "<div id='root'></div><script>"
    "document.getElementById('root').innerHTML = "
    "'<p>The same sentence of the story, once more.</p>'.repeat(40000)</script></body></html>",
    # Names an AMP version that is not there, and fills itself by fetch().
    "/amp-broken.html": "<!doctype html><html><head><title>Daily Planet</title>"
    "<link rel='amphtml' href='/amp/missing.html'></head><body><div id='root'></div><script>"
    "fetch('/api/story.json').then(r => r.json()).then(s => {"
    "document.getElementById('root').innerHTML = s.html; });</script></body></html>",
    # Waits forever for its data (the test kills the browser meanwhile).
    "/hang.html": SHELL_HEAD + "<div id='root'></div><script>fetch('/api/hang').then(r => "
    "r.text()).then(t => { document.getElementById('root').textContent = t; })</script>"
    "</body></html>",
}


class RenderSite(ShellSite):
    """The shapes of issue 23 plus the misbehaving pages; /api/hang answers after a minute."""

    def __init__(self) -> None:
        super().__init__()
        self.server.daemon_threads = True  # a hanging answer does not hold the shutdown
        self.hang_asked = threading.Event()
        self.release = threading.Event()

    def page(self, path: str) -> str | None:
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>Story {n}</title><link>{self.url}{p}</link></item>"
                for n, p in enumerate(("/fetch.html", "/ordinary.html"))
            )
            return (
                "<?xml version='1.0'?><rss version='2.0'><channel><title>Daily Planet</title>"
                f"<link>{self.url}/</link>{items}</channel></rss>"
            )
        if path == "/api/hang":
            self.hang_asked.set()
            self.release.wait(60)
            return "too late"
        return BAD_PAGES.get(path) or super().page(path)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        served = super()._handler()

        class Handler(served):  # type: ignore[valid-type,misc]
            def do_GET(self) -> None:
                if self.path != "/away-loading.html":
                    super().do_GET()
                    return
                # /away.html whose last bytes come 2 s late: its script moves on while the page
                # itself still loads, so the browser reports the page aborted after the request
                # that replaced it (the order a loaded machine gives /away.html at times).
                head, tail = BAD_PAGES["/away.html"].encode(), b"<!--" + b" " * 2000 + b"-->"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(head) + len(tail)))
                self.end_headers()
                self.wfile.write(head)
                time.sleep(2)
                with contextlib.suppress(OSError):  # the browser has gone elsewhere
                    self.wfile.write(tail)

        return Handler


@pytest.fixture
def site() -> Iterator[RenderSite]:
    served = RenderSite()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.release.set()
    served.server.shutdown()
    served.server.server_close()


def marked_pids(mark: str) -> list[int]:
    """Processes (not zombies) whose environment holds ``MARK=mark``."""
    wanted = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def is_browser(pid: int) -> bool:
    """The browser's main process (not one of its renderers, helpers or its driver)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    program = arguments[0].rsplit(b"/", 1)[-1]
    return program in (b"chromium", b"chrome") and not any(
        a.startswith(b"--type=") for a in arguments
    )


def still_running(mark: str, seconds: float = 10) -> list[int]:
    """The processes marked ``mark`` left after waiting up to ``seconds`` for them to go: the
    browser's last processes exit just after the command, later on a loaded machine."""
    deadline = time.monotonic() + seconds
    while (left := marked_pids(mark)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def run(cli: Cli, *args: str) -> tuple[CliResult, str]:
    """Run the command with a fresh marker; assert that nothing of it is left running."""
    mark = uuid.uuid4().hex
    result = cli.env({MARK: mark})(*args, timeout=240)
    assert still_running(mark) == [], "a process of the command outlived it"
    return result, mark


def by_url(result: CliResult) -> dict[str, dict[str, object]]:
    return {line["url"]: line for line in result.json_lines()}


def test_auto_renders_only_the_shell_nothing_else_recovered(cli: Cli, site: RenderSite) -> None:
    urls = [site.url + path for path in SHELLS]
    result, _ = run(cli, "-v", "archive", "--json", "--render", "auto", *urls)
    assert result.code == 0, result.stderr[-2000:]
    lines = by_url(result)
    assert {line["status"] for line in lines.values()} == {"new"}
    rendered = cli("show", "--json", site.url + "/fetch.html").json_lines()[0]
    assert rendered["body_source"] == "rendered"
    for paragraph in site.story_at("/fetch.html").paragraphs:
        assert paragraph.split(" Filed by")[0] in rendered["text"]
    for path, (_page, source) in SHELLS.items():
        if path != "/fetch.html":  # recovered without a browser, as before
            assert cli("show", "--json", site.url + path).json_lines()[0]["body_source"] == source
    assert "Body from: the page as a browser rendered it" in cli("show", urls[-2]).stdout
    assert result.stderr.count("Launching browser") == 1  # one browser for the crawl

    # Reading the stored rendered DOM again needs no browser and makes no version.
    again = cli("reextract", "--json")
    assert again.code == 0, again.stderr
    history = cli("history", "--json", site.url + "/fetch.html").json_lines()[0]
    assert [v["body_source"] for v in history] == ["rendered"]


def test_an_ordinary_page_never_starts_the_browser(cli: Cli, site: RenderSite) -> None:
    result, _ = run(cli, "-v", "archive", "--json", "--render", "auto", site.url + "/ordinary.html")
    assert result.code == 0, result.stderr[-2000:]
    assert result.json_lines()[0]["status"] == "new"
    assert "Launching browser" not in result.stderr
    assert "Starting download handler" not in result.stderr  # not even Playwright's driver


def test_never_leaves_the_shell_needs_javascript(cli: Cli, site: RenderSite) -> None:
    result, _ = run(cli, "archive", "--json", "--render", "never", site.url + "/fetch.html")
    line = result.json_lines()[0]
    assert (result.code, line["status"], line["error_reason"]) == (1, "error", "needs_javascript")


def test_always_renders_every_article_page(cli: Cli, site: RenderSite) -> None:
    result, _ = run(cli, "archive", "--json", "--render", "always", site.url + "/ordinary.html")
    assert result.code == 0, result.stderr[-2000:]
    shown = cli("show", "--json", site.url + "/ordinary.html").json_lines()[0]
    assert shown["body_source"] == "rendered"
    assert shown["text"] == site.story_at("/ordinary.html").text


def test_pages_that_misbehave_in_the_browser_get_a_reason_and_lose_nothing(
    cli: Cli, site: RenderSite
) -> None:
    first, _ = run(cli, "archive", "--json", site.url + "/ordinary.html")
    assert first.json_lines()[0]["status"] == "new"
    paths = [
        "/spin.html",
        "/loop.html",
        "/away.html",
        "/away-loading.html",
        "/huge.html",
        "/ordinary.html",
    ]
    started = time.monotonic()
    result, _ = run(
        cli,
        "--render-timeout",
        "10",
        "--download-maxsize",
        "1000000",
        "archive",
        "--json",
        "--render",
        "auto",
        *[site.url + path for path in paths],
    )
    elapsed = time.monotonic() - started
    lines = by_url(result)
    reasons = {path: lines[site.url + path]["error_reason"] for path in paths}
    assert reasons["/spin.html"] == "render_timeout"
    assert reasons["/loop.html"] in ("render_failed", "render_timeout")
    for away in ("/away.html", "/away-loading.html"):
        assert reasons[away] == "render_failed"  # the other site was never reached
        assert "elsewhere.invalid/story" in str(lines[site.url + away]["error"])
    assert reasons["/huge.html"] == "too_large"
    assert lines[site.url + "/ordinary.html"]["status"] == "unchanged"
    for path in paths[:-1]:
        assert lines[site.url + path]["error"], path
    assert elapsed < 120  # each page within its deadline (plus start-up on a loaded machine)
    history = cli("history", "--json", site.url + "/ordinary.html").json_lines()[0]
    assert len(history) == 1  # what was archived before is untouched


def test_a_browser_that_dies_is_a_reason_and_the_crawl_goes_on(cli: Cli, site: RenderSite) -> None:
    mark = uuid.uuid4().hex
    killed: list[int] = []

    done = threading.Event()

    def kill_the_browser_whenever_it_waits() -> None:
        # Each time the page waits for its data, its browser is killed (the crashed page is
        # tried once more in a new browser, which dies too).
        while not done.is_set():
            if not site.hang_asked.wait(0.2):
                continue
            site.hang_asked.clear()
            for pid in marked_pids(mark):
                if is_browser(pid):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)

    killer = threading.Thread(target=kill_the_browser_whenever_it_waits, daemon=True)
    killer.start()
    urls = [site.url + "/hang.html", site.url + "/ordinary.html"]
    result = cli.env({MARK: mark})(
        "--render-timeout", "30", "archive", "--json", "--render", "auto", *urls, timeout=240
    )
    done.set()
    killer.join(5)
    assert killed, "the browser was not found to kill"
    lines = by_url(result)
    hang = lines[site.url + "/hang.html"]
    assert hang["error_reason"] == "render_failed", (hang["error"], killed)
    assert "browser" in str(hang["error"])
    assert lines[site.url + "/ordinary.html"]["status"] == "new"
    assert still_running(mark) == [], "a process of the command outlived it"


def test_without_a_browser_always_stops_and_auto_warns(cli: Cli, site: RenderSite) -> None:
    nowhere = cli.env({"NEWSARCHIVE_CHROMIUM": "/nonexistent/chromium"})
    refused = nowhere("archive", "--render", "always", site.url + "/fetch.html")
    assert refused.code == 2
    assert refused.stderr.strip().splitlines() == [
        refused.stderr.strip().splitlines()[0]
    ]  # one line
    assert "no browser at /nonexistent/chromium" in refused.stderr
    warned = nowhere("archive", "--json", "--render", "auto", site.url + "/fetch.html")
    assert "warning: no page will be rendered" in warned.stderr
    assert warned.json_lines()[0]["error_reason"] == "needs_javascript"


def test_the_edit_of_a_rendered_story_makes_one_version(cli: Cli, site: RenderSite) -> None:
    url = site.url + "/fetch.html"
    run(cli, "archive", "--json", "--render", "auto", url)
    again, _ = run(cli, "archive", "--json", "--render", "auto", url)
    assert again.json_lines()[0]["status"] == "unchanged"
    site.story = Story().edited()
    edited, _ = run(cli, "archive", "--json", "--render", "auto", url)
    assert (edited.json_lines()[0]["status"], edited.json_lines()[0]["version"]) == ("changed", 2)

    # Each of the three renderings exports as the server's response and a conversion of it.
    warc = cli.cwd / "three.warc.gz"
    assert cli("export", "--format", "warc", "-o", str(warc)).code == 0
    with warc.open("rb") as stream:
        kinds = [r.rec_type for r in ArchiveIterator(stream, check_digests="raise")]
    assert (kinds.count("response"), kinds.count("conversion")) == (3, 3)


def test_a_site_s_own_render_mode_wins_in_a_crawl(
    cli: Cli, site: RenderSite, tmp_path: Path
) -> None:
    (tmp_path / "sites.toml").write_text(
        f'[[site]]\nname = "planet"\nfeeds = ["{site.url}/feed.xml"]\nrender = "always"\n'
    )
    result, _ = run(cli, "crawl", "planet", "--config", "sites.toml", "--render", "never")
    assert result.code == 0, result.stderr[-2000:]
    for path in ("/fetch.html", "/ordinary.html"):
        shown = cli("show", "--json", site.url + path).json_lines()[0]
        assert shown["body_source"] == "rendered", path


def test_a_shell_whose_amp_version_fails_is_rendered_instead(cli: Cli, site: RenderSite) -> None:
    url = site.url + "/amp-broken.html"
    result, _ = run(cli, "archive", "--json", "--render", "auto", url)
    assert result.json_lines()[0]["status"] == "new", result.json_lines()[0]["error"]
    shown = cli("show", "--json", url).json_lines()[0]
    assert shown["body_source"] == "rendered"
    assert site.story.paragraphs[0] in shown["text"]
    never, _ = run(cli, "archive", "--json", "--render", "never", url)
    assert never.json_lines()[0]["error_reason"] == "needs_javascript"
    assert len(cli("history", "--json", url).json_lines()[0]) == 1  # the version stays


def stored_bodies(cli: Cli, url: str) -> tuple[bytes | None, bytes | None]:
    """The latest capture of ``url``: its raw body (what was extracted) and the server's."""
    with open_archive(cli.db_url) as archive, archive.read() as session:
        raw, server = session.execute(
            select(Capture.raw_body_sha256, Capture.server_body_sha256)
            .where(Capture.requested_url == url)
            .order_by(Capture.id.desc())
            .limit(1)
        ).one()
        return (
            load_raw_body(session, raw) if raw else None,
            load_raw_body(session, server) if server else None,
        )


def test_a_rendered_capture_keeps_the_server_s_shell_beside_the_dom(
    cli: Cli, site: RenderSite, tmp_path: Path
) -> None:
    url = site.url + "/fetch.html"
    result, _ = run(cli, "archive", "--json", "--render", "auto", url)
    assert result.json_lines()[0]["status"] == "new", result.stderr[-2000:]
    story = site.story  # what the page's API sends, and its scripts put in the page
    dom, server = stored_bodies(cli, url)
    assert server == str(site.page("/fetch.html")).encode()  # the shell, byte for byte
    assert dom is not None
    assert server is not None
    assert story.paragraphs[0].encode() in dom
    assert story.paragraphs[0].encode() not in server
    text = cli("show", "--json", url).json_lines()[0]["text"]

    # Read again from the stored DOM: no browser (none can be found), the same text, no version.
    no_browser = cli.env({"NEWSARCHIVE_CHROMIUM": "/nonexistent/chromium"})
    again = no_browser("-v", "reextract", "--json")
    assert again.code == 0, again.stderr
    assert "Launching browser" not in again.stderr
    shown = no_browser("show", "--json", url).json_lines()[0]
    assert (shown["version"], shown["body_source"], shown["text"]) == (1, "rendered", text)

    # The WARC holds the server's answer as the response and the DOM as a conversion of it.
    warc = tmp_path / "rendered.warc.gz"
    exported = cli("export", "--format", "warc", "-o", str(warc))
    assert exported.code == 0, exported.stderr
    assert "1 rendered pages (conversion records)" in exported.stderr + exported.stdout
    with warc.open("rb") as stream:
        records = [
            (r.rec_type, r.rec_headers, r.content_stream().read())
            for r in ArchiveIterator(stream, check_digests="raise")
        ]
    responses = [(h, body) for kind, h, body in records if kind == "response"]
    conversions = [(h, body) for kind, h, body in records if kind == "conversion"]
    assert [body for _, body in responses] == [server]
    assert [body for _, body in conversions] == [dom]
    (response, _), (conversion, _) = responses[0], conversions[0]
    assert conversion.get_header("WARC-Target-URI") == url
    assert conversion.get_header("WARC-Refers-To") == response.get_header("WARC-Record-ID")

    # Imported into a fresh archive: the same version, read from the DOM, both bodies kept.
    fresh = Cli(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path)
    imported = fresh("import-warc", "--json", str(warc))
    assert imported.code == 0, imported.stderr
    again_shown = fresh("show", "--json", url).json_lines()[0]
    assert (again_shown["body_source"], again_shown["text"]) == ("rendered", text)
    assert stored_bodies(fresh, url) == (dom, server)


def test_always_keeps_the_server_s_page_beside_the_rendered_one(cli: Cli, site: RenderSite) -> None:
    url = site.url + "/ordinary.html"
    result, _ = run(cli, "archive", "--json", "--render", "always", url)
    assert result.code == 0, result.stderr[-2000:]
    dom, server = stored_bodies(cli, url)
    assert server == str(site.page("/ordinary.html")).encode()
    assert dom is not None
    assert dom != server  # the browser's serialisation of the DOM
