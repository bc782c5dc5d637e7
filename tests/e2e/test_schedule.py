"""Scheduled crawls and revisits on a local news site whose articles change between rounds.

The clock is moved with NEWSARCHIVE_NOW, never by sleeping.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from demosite.server import DemoServer
from storage import open_archive
from storage.models import Article, CrawlRun, FrontierEntry, Version
from storage.revisits import DEFAULT_REVISIT_POLICY
from storage.timeutil import utcnow

from .conftest import Cli

pytestmark = pytest.mark.slow  # every test here runs whole crawls in subprocesses


def write_sites(tmp_path: Path, server: DemoServer) -> Path:
    config = tmp_path / "sites.toml"
    config.write_text(
        f'[[site]]\nname = "gazette"\nfeeds = ["{server.url}/rss.xml"]\ninterval = "30m"\n'
        "delay = 0\n"
    )
    return config


def at(when: datetime) -> dict[str, str]:
    return {"NEWSARCHIVE_NOW": when.isoformat()}


def test_revisits_catch_every_edit_and_spend_little(
    cli: Cli, news_site: DemoServer, db_url: str, tmp_path: Path
) -> None:
    site = news_site.site
    config = write_sites(tmp_path, news_site)
    start = site.now + timedelta(hours=1)

    first = cli.env(at(start))("schedule", "--config", str(config), "--once", "--json")
    assert first.code == 0, first.stderr
    assert first.json_lines()[-1]["new_articles"] == len(site.article_paths())

    # Due times follow the policy: age counts from the published date.
    with open_archive(db_url) as archive, archive.read() as session:
        rows = session.execute(
            select(Article.url, FrontierEntry.next_fetch_at).join(
                FrontierEntry, FrontierEntry.article_id == Article.id
            )
        ).all()
    assert len(rows) == len(site.article_paths())
    for url, next_at in rows:
        published = site.article_at(url.removeprefix(news_site.url)).published
        assert next_at == DEFAULT_REVISIT_POLICY.next_visit(published, start)

    due = cli.env(at(start))("due", "--config", str(config), "--json").json_lines()[0]
    assert due["sites"][0]["due_now"] is False
    assert sum(r["due_now"] for r in due["revisits"]) == 0

    site.round = 2
    later = start + timedelta(days=8)
    before = len(news_site.requests)
    second = cli.env(at(later))("schedule", "--config", str(config), "--once", "--json")
    assert second.code == 0, second.stderr
    summary = second.json_lines()[-1]
    edited = site.edited_in_round(2)
    assert summary["new_versions"] == len(edited)
    assert summary["not_modified"] == len(site.article_paths()) - len(edited)

    with open_archive(db_url) as archive, archive.read() as session:
        versions = session.execute(
            select(Article.url, Version.number, Version.change).join(Version)
        ).all()
    changed = {url.removeprefix(news_site.url) for url, number, _ in versions if number == 2}
    assert changed == edited, "every real edit made exactly one new version, nothing else did"
    stealth = {
        url.removeprefix(news_site.url)
        for url, number, change in versions
        if number == 2 and change["stealth_edit"]
    }
    assert stealth == site.stealth_edited_in_round(2)

    revisit_requests = [r for r in news_site.requests[before:] if r.path in site.article_paths()]
    assert all(r.header("If-None-Match") for r in revisit_requests), "revisits are conditional"
    assert sum(r.status == 304 for r in revisit_requests) == len(site.article_paths()) - len(edited)

    headline = site.article_paths()[0]
    history = cli("history", "--json", "--changed-field", "headline", news_site.url + headline)
    assert [v["version"] for v in history.json_lines()[0]] == [2]


def test_untracked_articles_are_never_due_and_revisit_forces_a_check(
    cli: Cli, news_site: DemoServer
) -> None:
    tracked, untracked = (news_site.url + p for p in news_site.site.article_paths()[:2])
    assert cli("archive", tracked).code == 0
    assert cli("archive", "--no-track", untracked).code == 0
    far = datetime.now().astimezone() + timedelta(days=400)
    due = cli.env(at(far))("due", "--json").json_lines()[0]
    assert due["revisits"] == [], "articles older than the policy's last step are not revisited"

    news_site.site.round = 2
    result = cli("revisit", "--json", untracked)
    assert result.code == 0, result.stderr
    assert [r["status"] for r in result.json_lines()] == ["changed"]


def test_one_scheduler_at_a_time_and_sigterm_stops_cleanly(
    cli: Cli, news_site: DemoServer, db_url: str, tmp_path: Path
) -> None:
    config = write_sites(tmp_path, news_site)
    service = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--db", db_url, "schedule", "--config", str(config)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert service.stderr is not None
        started = service.stderr.readline()  # printed once the service holds the lock
        assert "scheduler" in started, started
        assert "started" in started, started
        second = cli("schedule", "--config", str(config), "--once")
        assert second.code == 6
        assert "another scheduler" in second.stderr
    finally:
        service.send_signal(signal.SIGTERM)
        _, stderr = service.communicate(timeout=60)
    assert service.returncode == 143, stderr
    # The lock went with it: a new scheduler runs at once.
    assert cli("schedule", "--config", str(config), "--once").code == 0


def _run_rows(db_url: str) -> int:
    with open_archive(db_url) as archive, archive.read() as session:
        return len(session.scalars(select(CrawlRun.id)).all())


def test_a_round_started_ahead_waits_for_go(cli: Cli, news_site: DemoServer, db_url: str) -> None:
    url = news_site.url + news_site.site.article_paths()[0]
    assert cli("archive", url).code == 0
    runs = _run_rows(db_url)
    news_site.site.round = 2  # the article changed: a round would record a new version

    # The scheduler closed its input (it stopped) before the round was due: nothing happens.
    dismissed = cli("schedule", "--once", "--standby", stdin="")
    assert dismissed.code == 0, dismissed.stderr
    assert _run_rows(db_url) == runs
    assert cli("revisit", "--json", url).json_lines()[0]["status"] == "changed"

    news_site.site.round = 3
    with open_archive(db_url) as archive:
        archive.run_write(lambda s: s.execute(update(FrontierEntry).values(next_fetch_at=utcnow())))
    told = cli("schedule", "--once", "--standby", "--json", stdin="go\n")
    assert told.code == 0, told.stderr
    assert told.json_lines()[-1]["new_versions"] == 1


def _standby_processes(db_url: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--standby" in command and db_url.encode() in command:
            found.append(int(entry.name))
    return found


def test_running_scheduler_does_a_round_that_comes_due_while_it_waits(
    cli: Cli, news_site: DemoServer, db_url: str, tmp_path: Path
) -> None:
    url = news_site.url + news_site.site.article_paths()[0]
    assert cli("archive", url).code == 0
    news_site.site.round = 2
    due_at = utcnow() + timedelta(seconds=4)
    with open_archive(db_url) as archive:
        archive.run_write(lambda s: s.execute(update(FrontierEntry).values(next_fetch_at=due_at)))
    service = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--db", db_url, "schedule"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        versions = 1
        while versions < 2 and time.monotonic() < deadline and service.poll() is None:
            time.sleep(0.5)
            with open_archive(db_url) as archive, archive.read() as session:
                versions = len(session.scalars(select(Version.id)).all())
        assert versions == 2, "the round that came due was done"
        assert utcnow() >= due_at, "and not before it was due"
        # The next round's process is already waiting, ready.
        while not _standby_processes(db_url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _standby_processes(db_url)
    finally:
        service.send_signal(signal.SIGTERM)
        _, stderr = service.communicate(timeout=60)
    assert service.returncode == 143, stderr
    deadline = time.monotonic() + 10
    while _standby_processes(db_url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _standby_processes(db_url), "the waiting round's process went with it"


def test_max_articles_is_per_run_and_due_lists_what_it_left(
    cli: Cli, news_site: DemoServer, tmp_path: Path
) -> None:
    """`crawl --max-articles 5` archives 5; the rest stays queued, `due` lists it, and the
    next run (here `schedule --once`) fetches it under its own limit."""
    config = write_sites(tmp_path, news_site)
    first = cli("crawl", "gazette", "--config", str(config), "--max-articles", "5")
    assert first.code == 0, first.stderr
    all_urls = {news_site.url + path for path in news_site.site.article_paths()}
    with open_archive(cli.db_url) as archive, archive.read() as s:
        archived = set(s.scalars(select(Article.url)))
    assert len(archived) == 5
    queued = cli("due", "--queued", "--json")
    assert queued.code == 0, queued.stderr
    left = {row["url"] for row in queued.json_lines()}
    assert left == all_urls - archived
    assert {row["scope"] for row in queued.json_lines()} == {"gazette"}
    report = cli("due", "--config", str(config))
    assert f"articles discovered and waiting to be fetched: {len(left)}" in report.stdout
    scheduled = cli("schedule", "--config", str(config), "--once")
    assert scheduled.code == 0, scheduled.stderr
    assert cli("due", "--queued").stdout == ""
    with open_archive(cli.db_url) as archive, archive.read() as s:
        assert set(s.scalars(select(Article.url))) == all_urls


def test_schedule_without_a_sites_file_says_only_revisits_run(cli: Cli) -> None:
    done = cli("schedule", "--once")
    assert done.code == 0, done.stderr
    assert (
        "newsarchive: warning: no sites file ./sites.toml: only revisits of archived articles "
        "are scheduled (pass --config FILE to crawl sites)"
    ) in done.stderr


def _finished_schedule_runs(db_url: str) -> int:
    with open_archive(db_url) as archive, archive.read() as session:
        runs = session.scalars(select(CrawlRun).where(CrawlRun.command == "schedule")).all()
        return sum(1 for run in runs if run.finished_at is not None)


def test_a_running_scheduler_does_its_rounds_in_one_warm_process(
    news_site: DemoServer, db_url: str, tmp_path: Path
) -> None:
    # Discovery every second: round after round. They are done by one process that stays up
    # between them (imports, extraction fork server kept), not by a process each.
    config = tmp_path / "sites.toml"
    config.write_text(
        f'[[site]]\nname = "gazette"\nfeeds = ["{news_site.url}/rss.xml"]\ninterval = "1s"\n'
        "delay = 0\n"
    )
    service = subprocess.Popen(
        [sys.executable, "-m", "crawler", "--db", db_url, "schedule", "--config", str(config)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"},
    )
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while _finished_schedule_runs(db_url) < 4 and time.monotonic() < deadline:
            assert service.poll() is None, service.stderr.read() if service.stderr else ""
            seen.update(_standby_processes(db_url))
            time.sleep(0.3)
        assert _finished_schedule_runs(db_url) >= 4
        seen.update(_standby_processes(db_url))
        assert len(seen) == 1, f"one process did every round, not {sorted(seen)}"
        with open_archive(db_url) as archive, archive.read() as session:
            assert len(session.scalars(select(Article.id)).all()) == 12  # the work was done
    finally:
        service.send_signal(signal.SIGTERM)
        _, stderr = service.communicate(timeout=60)
    assert service.returncode == 143, stderr
    deadline = time.monotonic() + 10
    while _standby_processes(db_url) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _standby_processes(db_url), "the rounds' process went with the scheduler"
