"""`newsarchive backfill` against an archive that misbehaves: counted skips, politeness, kill -9."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from storage import open_archive
from storage.locks import pause_host
from storage.timeutil import utcnow
from tests.e2e.archive_server import Entry, archive_server
from tests.e2e.conftest import Cli
from tests.e2e.pywb_collection import article_html

URL = "http://news.example/2026/11/harbour-plan.html"
BASE = [
    "The harbour authority published its plan for the old docks on Monday morning.",
    "It proposes housing, a school and a park where the warehouses now stand.",
]


def _page(update: str) -> bytes:
    return article_html("Harbour plan", [*BASE, update])


def _history(cli: Cli) -> list[dict[str, object]]:
    result = cli("history", URL, "--json")
    assert result.code == 0, result.stderr
    return list(json.loads(result.stdout))


@pytest.mark.slow
def test_bad_captures_are_counted_skips_and_the_archive_is_asked_politely(cli: Cli) -> None:
    entries = [
        Entry(URL, "20261101000000", _page("Consultation opens next week.")),
        # Listed as HTML, served as a PDF.
        Entry(URL, "20261102000000", b"%PDF-1.4 ...", content_type="application/pdf"),
        Entry(URL, "20261103000000", _page("A cut capture."), truncate=True),
        # Busy first: 429 then 503, each with Retry-After: 1.
        Entry(URL, "20261104000000", _page("Consultation extended."), busy=[429, 503]),
        Entry(URL, "20261105000000", b"%PDF", listed_mime="application/pdf"),
        # No charset anywhere, Windows-1252 bytes: decoded by detection, not as UTF-8.
        Entry(
            URL,
            "20261106000000",
            article_html(
                "Harbour plan",
                [*BASE, "The café on the quay, a favourite of résidents, will stay open."],
                charset_meta=None,
            )
            .decode()
            .encode("cp1252"),
            content_type="text/html",
        ),
    ]
    garbage = ['"this is not json', '["key", "2026", "x"]']
    with archive_server(entries, garbage) as server:
        done = cli(
            "backfill", URL, "--archive", f"{server.base}/coll/cdx", "--delay", "0.4", "--json"
        )
        requests = sorted(at for at, _, _ in server.log)
        busy = server.fetches("20261104000000id_")
    assert done.code == 0, done.stderr
    assert "Traceback" not in done.stderr
    (report,) = json.loads(done.stdout)
    assert report["skipped"] == {"not_html": 1, "unreadable_cdx_line": 2}
    assert report["refused"] == {"not_html": 1, "truncated_body": 1}
    assert (report["listed"], report["new_versions"]) == (5, 3)
    # One request at a time, at least the delay apart; Retry-After waited out each time.
    gaps = [b - a for a, b in itertools.pairwise(requests)]
    assert min(gaps) >= 0.39, gaps
    assert [status for _, status in busy] == [429, 503, 200]
    assert busy[1][0] - busy[0][0] >= 0.99
    assert busy[2][0] - busy[1][0] >= 0.99
    assert [v["origin"] for v in _history(cli)] == ["backfill"] * 3
    latest = cli("show", URL, "--json")
    assert "The café on the quay, a favourite of résidents" in json.loads(latest.stdout)["text"]


@pytest.mark.slow
def test_an_archive_asking_to_wait_too_long_is_one_clear_error(cli: Cli) -> None:
    entries = [Entry(URL, "20261101000000", _page("x"), busy=[429], retry_after="3600")]
    with archive_server(entries) as server:
        done = cli("backfill", URL, "--archive", f"{server.base}/coll/cdx", "--delay", "0")
    assert done.code == 1
    assert done.stderr.strip().splitlines() == [
        f"newsarchive: error: {URL}: archive 127.0.0.1 asks to wait 3600 s; try later"
    ]


@pytest.mark.slow
def test_a_backfill_killed_with_kill_9_resumes_without_refetching(cli: Cli) -> None:
    entries = [
        Entry(
            URL,
            f"202611{day:02d}000000",
            _page(f"Update {day}: the plan changed again."),
            delay=0.3,
        )
        for day in range(1, 9)
    ]
    env = {
        **os.environ,
        "NEWSARCHIVE_DB": cli.db_url,
        "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1",
    }
    with archive_server(entries) as server:
        command = [sys.executable, "-m", "crawler", "backfill", URL]
        command += ["--archive", f"{server.base}/coll/cdx", "--delay", "0.2"]
        process = subprocess.Popen(
            command, env=env, cwd=cli.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while len(server.fetches("id_/")) < 4:
            assert time.monotonic() < deadline, "the backfill did not get going"
            assert process.poll() is None
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        before = {path for _, path, _ in server.log if "id_/" in path}
        again = cli(
            "backfill", URL, "--archive", f"{server.base}/coll/cdx", "--delay", "0", "--json"
        )
        fetched = [path for _, path, _ in server.log if "id_/" in path]
        listings = [path for _, path, _ in server.log if "/cdx" in path]
    assert again.code == 0, again.stderr
    (report,) = json.loads(again.stdout)
    # The rerun takes what is left from the frontier: it does not ask for the listing again.
    assert report["resumed"] is True
    assert len(listings) == 1
    # What was recorded before the kill is not fetched again; at most the capture in flight is.
    assert report["already_recorded"] >= len(before) - 1
    assert report["already_recorded"] + report["fetched"] == len(entries)
    assert len(fetched) <= len(entries) + 1
    assert len(_history(cli)) == len(entries)


@pytest.mark.slow
def test_a_pause_the_crawl_recorded_for_a_host_holds_for_backfill_too(cli: Cli) -> None:
    entries = [Entry(URL, "20261101000000", _page("Consultation opens next week."))]
    with archive_server(entries) as server:
        # As a crawl worker does on a Retry-After from this host (the shared politeness slots).
        # Timed from before the write: the pause runs from a moment inside it, and a slow
        # commit on a loaded machine must not count as time the backfill waited.
        paused_at = time.monotonic()
        with open_archive(cli.db_url) as archive:
            archive.run_write(
                lambda s: pause_host(s, "127.0.0.1", now=utcnow(), pause=timedelta(seconds=2))
            )
        done = cli("backfill", URL, "--archive", f"{server.base}/coll/cdx", "--delay", "0.1")
        first = min(at for at, _, _ in server.log)
    assert done.code == 0, done.stderr
    assert first - paused_at >= 1.8


@pytest.mark.slow
def test_a_second_backfill_of_a_url_being_backfilled_is_one_clear_error(cli: Cli) -> None:
    entries = [Entry(URL, f"202611{day:02d}000000", _page(f"Update {day}.")) for day in range(1, 5)]
    env = {**os.environ, "NEWSARCHIVE_DB": cli.db_url, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"}
    with archive_server(entries) as server:
        # The first backfill gets one capture, then waits until the second has run: however
        # slowly the second starts, the first is still at work (it had finished at times).
        server.hold_after = 1
        archive_url = f"{server.base}/coll/cdx"
        first = subprocess.Popen(
            [sys.executable, "-m", "crawler", "backfill", URL, "--archive", archive_url],
            env=env,
            cwd=cli.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not server.fetches("id_/"):
            assert time.monotonic() < deadline, "the backfill did not get going"
            time.sleep(0.05)
        second = cli("backfill", URL, "--archive", archive_url, "--delay", "0")
        server.release.set()
        assert first.wait(timeout=60) == 0
        fetched = server.fetches("id_/")
    assert second.code == 1
    (line,) = second.stderr.strip().splitlines()
    assert line.startswith(f"newsarchive: error: {URL}: another backfill (")
    # The second asked nothing of the archive: each capture was fetched once.
    assert len(fetched) == len(entries)
