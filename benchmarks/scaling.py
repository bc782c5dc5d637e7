"""Cooperating workers on one PostgreSQL (issue 7): throughput with 1, 2 and 4 worker processes.

Each round archives a fresh local news site (``serve_many`` on many 127.x.y.z hosts) into a
fresh PostgreSQL database with N ``schedule --worker-id`` processes, and measures:

- pages per second, end to end (process start to the last article archived) and in the
  steady state (from 10 % to 90 % of the articles archived);
- duplicate fetches: article pages the site served more than once, beyond the retries Scrapy
  itself made inside one worker and the fetches whose capture a worker could not write (they
  are fetched again by design; counted apart as "unrecorded") (must be 0); captures recorded
  per article (must be 1);
- in a last round, one worker is killed with kill -9 at a third of the way: URLs lost (articles
  never archived, must be 0) and how long the survivors took to finish.

Needs a PostgreSQL server the benchmark may create databases on:

    .ci/postgres.sh .venv/bin/python benchmarks/scaling.py            # a throwaway server
    python benchmarks/scaling.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

On a machine with C cores the curve flattens at about C workers: every worker is a Scrapy
process plus its extraction processes, and all of them, and PostgreSQL, share the same cores.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from demosite.server import ServerGroup, serve_many
from demosite.site import NewsSite
from storage import open_archive
from storage.models import Article, Capture, CrawlRun, Version

POLL_SECONDS = 0.2


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, migrated PostgreSQL database, dropped afterwards."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"newsarchive_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        open_archive(url, auto_migrate=True).close()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_sites(folder: Path, servers: ServerGroup, delay: float) -> Path:
    config = folder / "sites.toml"
    sitemaps = ", ".join(f'"{url}/sitemap-articles.xml"' for url in servers.urls)
    config.write_text(
        f'[[site]]\nname = "bench"\nsitemaps = [{sitemaps}]\ninterval = "1d"\ndelay = {delay}\n'
    )
    return config


def start_workers(database: str, config: Path, count: int, folder: Path) -> list[Any]:
    env = {
        **os.environ,
        "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1",  # the site is served on 127.x.y.z
        # A killed worker's leases come back within this many seconds.
        "NEWSARCHIVE_LEASE_SECONDS": os.environ.get("NEWSARCHIVE_LEASE_SECONDS", "60"),
    }
    workers = []
    for n in range(count):
        command = [sys.executable, "-m", "crawler", "--db", database, "schedule"]
        command += ["--config", str(config), "--worker-id", f"bench-{n}"]
        with (folder / f"worker-{n}.log").open("wb") as log:
            workers.append(
                subprocess.Popen(
                    command,
                    env=env,
                    cwd=folder,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                    start_new_session=True,
                )
            )
    return workers


def stop(workers: list[Any], sig: int = signal.SIGTERM) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, sig)
    for worker in workers:
        worker.wait(timeout=120)


def archived(database: str) -> tuple[int, int]:
    with open_archive(database) as archive, archive.read() as session:
        articles = session.scalar(select(func.count()).select_from(Article)) or 0
        versions = session.scalar(select(func.count()).select_from(Version)) or 0
    return articles, versions


def article_captures(database: str) -> int:
    with open_archive(database) as archive, archive.read() as session:
        query = select(func.count()).select_from(Capture).where(Capture.article_id.is_not(None))
        return session.scalar(query) or 0


def run_stat(database: str, key: str) -> int:
    """A crawl statistic summed over every worker's runs."""
    with open_archive(database) as archive, archive.read() as session:
        runs = session.scalars(select(CrawlRun.stats)).all()
    return sum(int((stats or {}).get(key, 0)) for stats in runs)


def run_round(
    server_url: str, workers: int, options: argparse.Namespace, *, kill_one: bool = False
) -> dict[str, Any]:
    site = NewsSite(articles=options.articles, now=datetime.now(UTC))
    hosts = [f"127.0.{1 + i // 250}.{2 + i % 250}" for i in range(options.hosts)]
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_many(site, hosts) as servers,
        fresh_database(server_url) as database,
    ):
        folder = Path(tmp)
        config = write_sites(folder, servers, options.delay)
        started = time.monotonic()
        running = start_workers(database, config, workers, folder)
        marks: dict[str, float] = {}
        killed_at: float | None = None
        total = options.articles
        deadline = started + options.timeout
        try:
            while time.monotonic() < deadline:
                done, _ = archived(database)
                now = time.monotonic() - started
                for share in (0.1, 0.9):
                    if done >= share * total:
                        marks.setdefault(f"{share}", now)
                if kill_one and killed_at is None and done >= total / 3:
                    os.killpg(running[0].pid, signal.SIGKILL)  # worker and its crawl
                    running[0].wait()
                    killed_at = now
                if done >= total:
                    break
                time.sleep(POLL_SECONDS)
            elapsed = time.monotonic() - started
        finally:
            stop(running)
        articles, versions = archived(database)
        captures = article_captures(database)
        # Requests Scrapy itself sent again in one worker (a dropped keep-alive connection...).
        retries = run_stat(database, "retry/count")
        # Fetches whose capture could not be written (a database error in a worker's write
        # batch): their leases are given back and the article is fetched again, by design.
        unrecorded = run_stat(database, "frontier/unrecorded/article")
        lost_leases = run_stat(database, "archive/lease/lost")
        requests = servers.requests
    article_paths = set(site.article_paths())
    fetches = Counter(r.path for r in requests if r.method == "GET" and r.path in article_paths)
    steady = None
    if "0.1" in marks and "0.9" in marks and marks["0.9"] > marks["0.1"]:
        steady = round(0.8 * total / (marks["0.9"] - marks["0.1"]), 1)
    figures: dict[str, Any] = {
        "workers": workers,
        "seconds": round(elapsed, 1),
        "pages_served": len(requests),
        "pages_per_second": round(len(requests) / elapsed, 1),
        "steady_articles_per_second": steady,
        "articles_archived": articles,
        "versions": versions,
        # Article pages served twice that neither a worker's own retry nor a capture that could
        # not be written explains: two workers fetched it.
        "duplicate_fetches": max(
            0, sum(count - 1 for count in fetches.values() if count > 1) - retries - unrecorded
        ),
        "scrapy_retries": retries,
        "refetched_unrecorded": unrecorded,
        "leases_lost_before_sending": lost_leases,
        "article_captures": captures,  # more than articles: a fetch was recorded twice
        "lost_urls": total - articles,
    }
    if kill_one:
        figures["killed_at_seconds"] = None if killed_at is None else round(killed_at, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("NEWSARCHIVE_TEST_POSTGRES"))
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.05, help="per-host delay, seconds")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    parser.add_argument("--timeout", type=float, default=300.0, help="per round, seconds")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    options = parser.parse_args()
    if not options.postgres:
        parser.error("give --postgres URL or NEWSARCHIVE_TEST_POSTGRES (see .ci/postgres.sh)")
    counts = [int(n) for n in options.workers.split(",")]
    rounds = [run_round(options.postgres, n, options) for n in counts]
    kill = run_round(options.postgres, max(counts[-1], 2), options, kill_one=True)
    figures = {
        "articles": options.articles,
        "hosts": options.hosts,
        "delay": options.delay,
        "cores": os.cpu_count(),
        "rounds": rounds,
        "kill_round": kill,
    }
    if options.json:
        print(json.dumps(figures))
    else:
        base = rounds[0]["steady_articles_per_second"] or 1.0
        print(
            f"{options.articles} articles on {options.hosts} hosts, {options.delay} s per-host "
            f"delay, {os.cpu_count()} cores, PostgreSQL"
        )
        print(
            "workers  seconds  pages/s  steady art/s  speed-up  duplicates  retries  "
            "unrecorded  lost"
        )
        for r in rounds:
            speedup = (r["steady_articles_per_second"] or 0) / base
            print(
                f"{r['workers']:>7}  {r['seconds']:>7}  {r['pages_per_second']:>7}  "
                f"{r['steady_articles_per_second']!s:>12}  {speedup:>7.2f}x  "
                f"{r['duplicate_fetches']:>10}  {r['scrapy_retries']:>7}  "
                f"{r['refetched_unrecorded']:>10}  {r['lost_urls']:>4}"
            )
        print(
            "(unrecorded: fetched again because a worker's database write of the first fetch "
            "failed; see the workers' logs)"
        )
        print(
            f"kill -9 of one of {kill['workers']} workers at {kill['killed_at_seconds']} s: "
            f"{kill['articles_archived']}/{options.articles} archived in {kill['seconds']} s, "
            f"lost URLs {kill['lost_urls']}, versions {kill['versions']}, "
            f"refetched pages {kill['duplicate_fetches']} (the killed worker's in-flight ones)"
        )
    failed = any(
        r["duplicate_fetches"] or r["lost_urls"] or r["article_captures"] != options.articles
        for r in rounds
    )
    failed = failed or bool(kill["lost_urls"]) or kill["versions"] != options.articles
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
