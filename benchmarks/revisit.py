"""Revisit cost on real news pages (issue 4): a round of conditional GETs against the first crawl.

Run: python benchmarks/revisit.py [--articles 1000] [--hosts 100] [--json]

1,000 articles are made from the extraction bench's real pages (each copy's bytes differ by a
trailing comment; copies of one page never share a host, so no host's pages look alike to the
site-boilerplate learning) and served over ``--hosts`` loopback hosts by servers that answer
conditional GETs the way a news CMS does (ETag and Last-Modified; 304 when nothing changed).

1. first crawl: ``newsarchive archive --from-file`` of every URL (tracked for revisits);
2. 5 % of the articles are edited (a sentence added to their longest paragraph);
3. revisit round from cron: ``newsarchive revisit --all``, a process of its own;
4. the same round under the long-running ``newsarchive schedule``, on a copy of the archive as
   the first crawl left it: every article is made due a few seconds ahead, and the round is
   timed from the moment it was due until its run was recorded as finished. The scheduler
   starts each round's process ahead of time (imports, crawl components, extraction workers'
   fork server) and tells it to go when something is due, so this is what a round costs it.

For each it prints the crawl's own window (Scrapy's elapsed time, spider open to close) and the
wall time (the whole process for 1 and 3; due to done for 4); requests, 304s, bytes downloaded,
rows written and database bytes added, and the ratios of the rounds to the first crawl's
process. The goal: an unchanged article costs one conditional request and one small row, and
the round takes under a fifth of the first crawl's time.

The round's floor under per-host politeness is also printed: the busiest host's requests
after its first (robots.txt too, if the round fetched it) times DOWNLOAD_DELAY. With many
articles per host, politeness, not our code, decides the round's time; that is intended.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.extraction import DEFAULT_BENCH, load_bench  # noqa: E402
from crawler import settings as crawler_settings  # noqa: E402

CHANGED_EVERY = 20  # 5 %
LAST_MODIFIED = "Mon, 02 Nov 2026 08:00:00 GMT"
ROBOTS = b"User-agent: *\nAllow: /\n"
_PARAGRAPH = re.compile(rb"<p[ >].*?</p>", re.DOTALL | re.IGNORECASE)
ADDED = b" An update: this sentence was added after publication."


def edited(html: bytes) -> bytes | None:
    """The page with one sentence added to its longest paragraph (None: it has no <p>)."""
    longest = max(_PARAGRAPH.finditer(html), key=lambda m: len(m.group()), default=None)
    if longest is None:
        return None
    end = longest.end() - len(b"</p>")
    return html[:end] + ADDED + html[end:]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # News servers and CDNs keep connections alive; a crawler meets them over HTTP/1.1.
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self._answer(200, ROBOTS, "text/plain")
            return
        body = self.server.pages.get(self.path)
        if body is None:
            self._answer(404, b"not found", "text/plain")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._answer(200, body, "text/html; charset=utf-8", etag)

    def _answer(self, status: int, body: bytes, content_type: str, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.pages: dict[str, bytes] = {}


@dataclass
class Run:
    wall_s: float
    window_s: float
    requests: int
    answered_304: int
    bytes_downloaded: int
    rows_written: int
    new_versions: int
    db_bytes_added: int
    statuses: dict[str, int]


def _state(path: Path) -> dict[str, Any]:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts: dict[str, Any] = {
        table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("captures", "versions", "raw_bodies")
    }
    row = connection.execute("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    connection.close()
    counts["stats"] = json.loads(row[0]) if row else {}
    counts["bytes"] = path.stat().st_size
    return counts


def _run(path: Path, *args: str) -> Run:
    before = _state(path) if path.exists() else {"captures": 0, "versions": 0, "raw_bodies": 0}
    env = {**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"}
    command = [sys.executable, "-m", "crawler", "--db", f"sqlite:///{path}", *args, "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        failure = done.stderr[-3000:]
        raise SystemExit(f"newsarchive {args[0]} failed ({done.returncode}):\n{failure}")
    statuses = Counter(
        json.loads(line).get("status", "?")
        for line in done.stdout.splitlines()
        if line.startswith("{")
    )
    return _measured(before, _state(path), wall, dict(statuses))


def _measured(
    before: dict[str, Any], after: dict[str, Any], wall: float, statuses: dict[str, int]
) -> Run:
    """A run's figures from the archive's state before and after it and its crawl stats."""
    stats = after["stats"]
    return Run(
        wall_s=round(wall, 2),
        window_s=round(float(stats.get("elapsed_time_seconds", wall)), 2),
        requests=int(stats.get("downloader/request_count", 0)),
        answered_304=int(stats.get("downloader/response_status_count/304", 0)),
        bytes_downloaded=int(stats.get("downloader/response_bytes", 0)),
        rows_written=sum(after[t] - before[t] for t in ("captures", "versions", "raw_bodies")),
        new_versions=after["versions"] - before["versions"],
        db_bytes_added=after["bytes"] - before.get("bytes", 0),
        statuses=statuses,
    )


def _scheduled_round(path: Path, lead_s: float = 12.0) -> Run:
    """Every archived article comes due ``lead_s`` from now under a running ``schedule``.

    Returns the round and its time from the moment it was due until its results were
    committed (the run's finish), which is what a round costs the long-running scheduler.
    """
    from sqlalchemy import update

    from storage import open_archive
    from storage.models import FrontierEntry
    from storage.timeutil import utcnow

    before = _state(path)
    due_at = utcnow() + timedelta(seconds=lead_s)
    with open_archive(f"sqlite:///{path}") as archive:
        archive.run_write(
            lambda s: s.execute(
                update(FrontierEntry)
                .where(FrontierEntry.kind == "article")
                .values(next_fetch_at=due_at)
            )
        )
    env = {**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"}
    command = [sys.executable, "-m", "crawler", "--db", f"sqlite:///{path}", "schedule", "--json"]
    scheduler = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        finished = _wait_for_round(path, due_at, deadline=time.monotonic() + lead_s + 300)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _, errors = scheduler.communicate(timeout=120)
    if finished is None:
        raise SystemExit(f"the scheduled round did not finish:\n{errors[-3000:]}")
    after = _state(path)
    # The scheduler prints its rounds' summaries, not one line per article: count from stats.
    statuses = {
        key.removeprefix("archive/"): int(value)
        for key, value in after["stats"].items()
        if key in ("archive/new", "archive/not_modified", "archive/changed", "archive/unchanged")
    }
    return _measured(before, after, (finished - due_at).total_seconds(), statuses)


def _wait_for_round(path: Path, due_at: datetime, deadline: float) -> datetime | None:
    """The finish time of the first run that started at or after ``due_at`` and fetched."""
    while time.monotonic() < deadline:
        time.sleep(0.2)
        connection = sqlite3.connect(path, timeout=30)
        try:
            rows = connection.execute(
                "SELECT started_at, finished_at, stats FROM crawl_runs"
                " WHERE finished_at IS NOT NULL ORDER BY id"
            ).fetchall()
        finally:
            connection.close()
        for started, finished, stats in rows:
            began = datetime.fromisoformat(str(started)).replace(tzinfo=UTC)
            if began >= due_at and json.loads(stats).get("downloader/request_count"):
                return datetime.fromisoformat(str(finished)).replace(tzinfo=UTC)
    return None


def politeness_floor(round_: Run, per_host: Counter[int], delay: float) -> float:
    """The busiest host's requests in the round, the first one free, the rest ``delay`` apart.

    robots.txt counts only when the round fetched it (a copy kept in the archive is younger
    than a day, so normally it does not).
    """
    articles = sum(per_host.values())
    robots = 1 if round_.requests > articles else 0
    return round((max(per_host.values()) + robots - 1) * delay, 2)


def measure(articles: int, hosts: int, bench_dir: Path) -> dict[str, Any]:
    pages = load_bench(bench_dir)
    if hosts % len(pages) == 0 or len(pages) % hosts == 0:
        hosts += 1  # copies of one page must not meet on a host
    servers = [_Server(f"127.78.{i // 250}.{i % 250 + 1}") for i in range(hosts)]
    for server in servers:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    urls: list[str] = []
    originals: list[tuple[_Server, str, bytes]] = []
    for n in range(articles):
        page = pages[n % len(pages)]
        server = servers[n % hosts]
        path = f"/news/{n}/{page.page_id}.html"
        server.pages[path] = page.html + f"\n<!-- article {n} -->\n".encode()
        host, port = server.server_address[:2]
        urls.append(f"http://{host!s}:{port}{path}")
        originals.append((server, path, server.pages[path]))
    per_host = Counter(n % hosts for n in range(articles))
    delay = float(crawler_settings.DOWNLOAD_DELAY)
    try:
        with tempfile.TemporaryDirectory(prefix="newsarchive-revisit-") as folder:
            database = Path(folder) / "archive.db"
            url_file = Path(folder) / "urls.txt"
            url_file.write_text("\n".join(urls) + "\n")
            first = _run(database, "archive", "--from-file", str(url_file))
            scheduled_copy = Path(folder) / "scheduled.db"
            shutil.copy(database, scheduled_copy)  # _state checkpointed the WAL into it
            changed, owed = 0, 0
            for n, (server, path, body) in enumerate(originals):
                owed += n % CHANGED_EVERY == 0  # an article without <p> passes it on
                new_body = edited(body) if owed else None
                if new_body is not None:
                    server.pages[path] = new_body
                    changed, owed = changed + 1, owed - 1
            round_ = _run(database, "revisit", "--all")
            scheduled = _scheduled_round(scheduled_copy)
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return {
        "articles": articles,
        "hosts": hosts,
        "changed": changed,
        "download_delay_s": delay,
        "politeness_floor_s": politeness_floor(round_, per_host, delay),
        "first_crawl": asdict(first),
        "revisit_round": asdict(round_),
        "scheduled_round": asdict(scheduled),
        "ratio_window": round(round_.window_s / first.window_s, 3),
        "ratio_wall": round(round_.wall_s / first.wall_s, 3),
        "ratio_scheduled": round(scheduled.wall_s / first.wall_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    figures = measure(args.articles, args.hosts, args.bench_dir)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(
        f"{figures['articles']} real news pages on {figures['hosts']} hosts,"
        f" {figures['changed']} edited before the round; load average {os.getloadavg()}"
    )
    rows = (
        ("first_crawl", "first crawl", "process"),
        ("revisit_round", "revisit round", "process"),
        ("scheduled_round", "scheduled", "due->done"),
    )
    for key, label, wall in rows:
        run = figures[key]
        print(
            f"{label:<14} window {run['window_s']:6.2f} s  {wall} {run['wall_s']:6.2f} s  "
            f"{run['requests']} requests ({run['answered_304']} x 304)  "
            f"{run['bytes_downloaded'] / 1e6:.2f} MB down  {run['rows_written']} rows  "
            f"{run['new_versions']} new versions  {run['db_bytes_added'] / 1e3:.0f} kB added  "
            f"{run['statuses']}"
        )
    print(
        f"round / first crawl: {figures['ratio_window']:.2f} (crawl windows),"
        f" {figures['ratio_wall']:.2f} (process wall, a round from cron),"
        f" {figures['ratio_scheduled']:.2f} (a round of the running scheduler, from due to"
        f" committed, against the first crawl's process); goal under 0.20."
        f" Politeness floor of the round: {figures['politeness_floor_s']:.2f} s"
        f" (busiest host's requests after the first x {figures['download_delay_s']} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
