"""`newsarchive backfill` against a real pywb and a second newsarchive `serve`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pytest

from storage import open_archive
from storage.frontier import FrontierURL, add_to_frontier
from tests.e2e.conftest import Cli
from tests.e2e.pywb_collection import (
    ARTICLE,
    OTHER,
    ArchivedAnswer,
    article_html,
    running_pywb,
    utc,
    write_warc,
)

FIRST = [
    "The ministry announced a budget of 40 million euros for new schools across the region.",
    "Officials said construction would begin in the spring and finish within two years.",
]
REWRITTEN = [FIRST[0], "Officials now say construction will begin next year and take three years."]
ANSWERS = [
    ArchivedAnswer(ARTICLE, utc(2026, 11, 2, 9), "200 OK", article_html("Budget set", FIRST)),
    # An exact duplicate three days later: fetched once, recorded as a confirmation.
    ArchivedAnswer(ARTICLE, utc(2026, 11, 5, 9), "200 OK", article_html("Budget set", FIRST)),
    ArchivedAnswer(ARTICLE, utc(2026, 11, 9, 9), "404 Not Found", b"<title>Not found</title>"),
    ArchivedAnswer(
        ARTICLE,
        utc(2026, 11, 12, 9),
        "301 Moved Permanently",
        b"",
        (("Location", OTHER), ("Content-Type", "text/html")),
    ),
    ArchivedAnswer(
        ARTICLE, utc(2026, 11, 16, 9), "200 OK", article_html("Budget delayed", REWRITTEN)
    ),
]


@pytest.fixture
def pywb(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "pywb"
    root.mkdir()
    write_warc(root / "news.warc.gz", ANSWERS)
    with running_pywb(root, root / "news.warc.gz") as base:
        yield base


def _history(cli: Cli) -> list[dict[str, object]]:
    result = cli("history", ARTICLE, "--json")
    assert result.code == 0, result.stderr
    return list(json.loads(result.stdout))


@pytest.mark.slow
def test_backfill_from_pywb_gives_the_versions_at_their_capture_times(cli: Cli, pywb: str) -> None:
    done = cli("backfill", ARTICLE, "--archive", f"{pywb}/news/cdx", "--delay", "0", "--json")
    assert done.code == 0, done.stderr
    (report,) = json.loads(done.stdout)
    assert (report["listed"], report["fetched"], report["new_versions"]) == (3, 2, 2)
    assert report["skipped"] == {"not_200": 2}  # the 404 and the redirect
    versions = _history(cli)
    assert [(v["version"], v["captured_at"], v["title"], v["origin"]) for v in versions] == [
        (1, "2026-11-02T09:00:00+00:00", "Budget set", "backfill"),
        (2, "2026-11-16T09:00:00+00:00", "Budget delayed", "backfill"),
    ]
    assert versions[0]["last_confirmed_at"] == "2026-11-05T09:00:00+00:00"
    shown = cli("show", ARTICLE, "--version", "1")
    assert "backfilled from a web archive" in shown.stdout
    assert "finish within two years" in shown.stdout
    assert (
        f"First seen in a capture by {pywb.split('//')[1]}: {pywb}/news/2026110209" in shown.stdout
    )
    assert f"backfilled from {pywb.split('//')[1]}" in cli("history", ARTICLE).stdout
    # A rerun fetches nothing again and changes nothing.
    again = cli("backfill", ARTICLE, "--archive", f"{pywb}/news/cdx", "--delay", "0", "--json")
    (report,) = json.loads(again.stdout)
    assert (report["fetched"], report["already_recorded"]) == (0, 3)
    assert _history(cli) == versions


@pytest.mark.slow
def test_an_archive_answering_html_is_one_clear_error(cli: Cli, pywb: str) -> None:
    done = cli("backfill", ARTICLE, "--archive", f"cdx:{pywb}/", "--delay", "0")
    assert done.code == 1
    assert done.stderr.strip().startswith("newsarchive: error:")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_an_unreachable_archive_is_one_clear_error(cli: Cli) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = cli("backfill", ARTICLE, "--archive", f"http://127.0.0.1:{port}/x/cdx")
    assert done.code == 1
    assert "cannot reach archive" in done.stderr


@pytest.mark.slow
def test_archives_on_private_addresses_are_refused_without_the_opt_in(cli: Cli, pywb: str) -> None:
    strict = cli.env({"NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": ""})
    done = strict("backfill", ARTICLE, "--archive", f"{pywb}/news/cdx", "--delay", "0")
    assert done.code == 1
    assert "--allow-private-network" in done.stderr


@contextmanager
def _serve(db_url: str) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "NEWSARCHIVE_DB": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline
                assert process.poll() is None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_backfill_from_another_newsarchive_timemap(cli: Cli, pywb: str, tmp_path: Path) -> None:
    assert cli("backfill", ARTICLE, "--archive", f"{pywb}/news/cdx", "--delay", "0").code == 0
    first = _history(cli)
    second = Cli(f"sqlite:///{tmp_path / 'second.db'}", tmp_path)
    with _serve(cli.db_url) as base:
        done = second("backfill", ARTICLE, "--archive", f"{base}/timemap/link/", "--delay", "0")
    assert done.code == 0, done.stderr
    copied = _history(second)
    assert [(v["captured_at"], v["title"]) for v in copied] == [
        (v["captured_at"], v["title"]) for v in first
    ]


def _versions_in_full(cli: Cli) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = []
    for summary in _history(cli):
        shown = cli("show", ARTICLE, "--version", str(summary["version"]), "--json")
        assert shown.code == 0, shown.stderr
        record = json.loads(shown.stdout)
        found.append(
            (
                record["captured_at"],
                record["title"],
                record["text"],
                record["authors"],
            )
        )
    return found


@pytest.mark.slow
def test_backfill_from_another_newsarchive_cdx_reproduces_the_versions(
    cli: Cli, pywb: str, tmp_path: Path
) -> None:
    assert cli("backfill", ARTICLE, "--archive", f"{pywb}/news/cdx", "--delay", "0").code == 0
    second = Cli(f"sqlite:///{tmp_path / 'second.db'}", tmp_path)
    with _serve(cli.db_url) as base:
        done = second(
            "backfill", ARTICLE, "--archive", f"{base}/cdx/search/cdx", "--delay", "0", "--json"
        )
    assert done.code == 0, done.stderr
    (report,) = json.loads(done.stdout)
    # serve honours collapse=digest (pywb 2.10 does not): the exact duplicate is not listed.
    assert (report["listed"], report["fetched"], report["new_versions"]) == (2, 2, 2)
    assert report["versions"][0]["memento_url"].startswith(f"{base}/web/20261102090000id_/")
    assert _versions_in_full(second) == _versions_in_full(cli)


OTHER_TEXT = [
    "The harbour authority approved a new ferry timetable for the winter months.",
    "Passengers will see two more crossings a day from the first week of December.",
]


@pytest.fixture
def pywb_two_articles(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "pywb2"
    root.mkdir()
    answers = [
        *ANSWERS,
        ArchivedAnswer(OTHER, utc(2026, 11, 3, 9), "200 OK", article_html("Ferries", OTHER_TEXT)),
    ]
    write_warc(root / "news.warc.gz", answers)
    with running_pywb(root, root / "news.warc.gz") as base:
        yield base


@pytest.mark.slow
def test_backfill_site_reads_its_articles_and_archives_from_the_sites_file(
    cli: Cli, pywb_two_articles: str, tmp_path: Path
) -> None:
    cdx = f"{pywb_two_articles}/news/cdx"
    # One article is in the archive with its first capture only; the other is only discovered.
    first = cli("backfill", ARTICLE, "--archive", cdx, "--until", "2026-11-04", "--delay", "0")
    assert first.code == 0, first.stderr
    with open_archive(cli.db_url) as archive:
        archive.run_write(
            partial(
                add_to_frontier,
                urls=[FrontierURL(OTHER, "article", "sitemap")],
                now=utc(2026, 12, 1),
                scope="news",
            )
        )
    (tmp_path / "sites.toml").write_text(
        '[[site]]\nname = "news"\nstart_urls = ["http://news.example/"]\n'
        f'archives = ["{cdx}", "{pywb_two_articles}/news/timemap/link/"]\n'
    )
    done = cli("backfill", "--site", "news", "--delay", "0", "--json")
    assert done.code == 0, done.stderr
    reports = {report["url"]: report for report in json.loads(done.stdout)}
    assert set(reports) == {ARTICLE, OTHER}
    # The CDX and the TimeMap list the same mementos: merged, each listed once. The TimeMap
    # says nothing of status, so its 404 and redirect are fetched, then refused with reasons.
    report = reports[ARTICLE]
    assert (report["listed"], report["already_recorded"], report["fetched"]) == (5, 1, 4)
    assert (report["new_versions"], report["unchanged"]) == (1, 1)
    assert report["refused"] == {"http_404": 1, "archived_redirect": 1}
    assert (reports[OTHER]["listed"], reports[OTHER]["new_versions"]) == (1, 1)
    assert [v["title"] for v in _history(cli)] == ["Budget set", "Budget delayed"]


@pytest.mark.slow
def test_backfill_site_errors_are_one_line(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "sites.toml").write_text(
        '[[site]]\nname = "news"\nstart_urls = ["http://news.example/"]\narchives = ["ftp://x"]\n'
    )
    bad = cli("backfill", "--site", "news")
    assert bad.code != 0
    assert "archives" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    (tmp_path / "sites.toml").write_text(
        '[[site]]\nname = "news"\nstart_urls = ["http://news.example/"]\n'
    )
    assert "no site 'elsewhere'" in cli("backfill", "--site", "elsewhere").stderr
    empty = cli("backfill", "--site", "news")
    assert empty.code == 1
    assert "no article in the archive yet" in empty.stderr
    assert cli("backfill").code == 2
