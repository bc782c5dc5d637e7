"""Load on a real ``newsarchive serve`` (issue 27): 8 clients over the mixed endpoint set.

Starts ``newsarchive --db ARCHIVE serve`` on 127.0.0.1 and runs N client threads,
each with its own keep-alive connection, cycling through listings, sites, article pages,
histories and searches for the given time; prints requests/s, p50/p95/max and errors:

    python benchmarks/serve_load.py /tmp/newsarchive-scale/scale-100000-schema0012-gen1.db
    python benchmarks/serve_load.py ARCHIVE --clients 8 --seconds 30 --workers 1

ARCHIVE is any archive: a SQLite file or a database URL (benchmarks/scale.py builds and caches
synthetic ones, on PostgreSQL too with ``--postgres``).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def database_url(archive: str | Path) -> str:
    """``archive`` as a database URL: a URL as given, a file as a SQLite URL."""
    return str(archive) if "://" in str(archive) else f"sqlite:///{archive}"


@contextmanager
def serving(archive: str | Path, workers: int | str = 1) -> Iterator[tuple[str, int]]:
    """A ``newsarchive serve`` on a free local port: its base URL and process id; stopped
    afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(NEWSARCHIVE),
            *("--db", database_url(archive), "serve", "--port", str(port)),
            *("--workers", str(workers)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/api/sites", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("newsarchive serve did not start") from None
                time.sleep(0.2)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def running_server(archive: str | Path, workers: int | str = 1) -> Iterator[str]:
    """A ``newsarchive serve`` on a free local port, its base URL; stopped afterwards."""
    with serving(archive, workers) as (base, _):
        yield base


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far (Linux /proc, 1/100 s steps)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def endpoint_mix(archive: str | Path, count: int = 200) -> list[str]:
    """The mixed endpoint set: listings (first and deep pages), sites, articles, searches."""
    engine = create_engine(database_url(archive))
    with engine.connect() as connection:
        total = connection.scalar(text("SELECT max(id) FROM articles"))
        rng = random.Random(11)
        urls = [
            connection.scalar(
                text("SELECT url FROM articles WHERE id = :id"), {"id": rng.randint(1, total)}
            )
            for _ in range(count // 4)
        ]
        hosts = list(connection.scalars(text("SELECT host FROM sites")))
    engine.dispose()
    paths = ["/api/sites", "/sites", "/api/articles", "/api/articles?page=200"]
    for url in urls:
        host = rng.choice(hosts)
        paths += [
            "/article?" + urlencode({"url": url}),
            "/api/article/versions?" + urlencode({"url": url}),
            f"/api/articles?site={host}",
            f"/api/search?q=said&site={host}&until=2025-12-01",
        ]
    rng.shuffle(paths)
    return paths


def client(
    port: int,
    paths: list[str],
    stop_at: float,
    offset: int,
    seconds: list[float],
    errors: list[str],
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    turn = offset
    while time.monotonic() < stop_at:
        path = paths[turn % len(paths)]
        turn += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                errors.append(f"{answer.status} {path}")
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{error!r} {path}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        seconds.append(time.perf_counter() - started)
    connection.close()


def run_load(
    port: int, paths: list[str], clients: int, seconds: float
) -> tuple[float, list[float], list[str]]:
    """Requests/s, sorted latencies and errors of ``clients`` threads cycling through ``paths``."""
    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=client, args=(port, paths, started + seconds, i * 25, latencies, errors)
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return len(latencies) / elapsed, latencies, errors


def describe(name: str, rate: float, latencies: list[float], errors: list[str]) -> str:
    return (
        f"{name}: {rate:.0f} requests/s, p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {latencies[int(0.95 * len(latencies))] * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms, {len(errors)} errors"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", help="a SQLite file or a database URL")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--workers", default="auto", help="serve's --workers (its default: auto, one per CPU)"
    )
    args = parser.parse_args()
    paths = endpoint_mix(args.archive)
    with running_server(args.archive, args.workers) as base:
        port = int(base.rsplit(":", 1)[1])
        load = os.getloadavg()[0]
        # Baseline in the same run: the app's own cost per request (an empty list of runs).
        floor = run_load(port, ["/api/runs"], args.clients, args.seconds / 2)
        mixed = run_load(port, paths, args.clients, args.seconds)
    print(
        f"serve --workers {args.workers}, {args.clients} clients, "
        f"load average {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end"
    )
    print("  " + describe(f"mixed endpoint set ({len(paths)} paths)", *mixed))
    print("  " + describe("baseline, /api/runs (no archive reads)", *floor))
    print(f"  mixed / baseline: {mixed[0] / floor[0]:.2f}")
    for error in mixed[2][:5]:
        print("  error:", error)


if __name__ == "__main__":
    main()
