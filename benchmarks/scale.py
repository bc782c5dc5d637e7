"""Costs at archive size (issue 27): p50/p95 per operation at each size, and the growth ratio.

Builds synthetic archives (benchmarks/scale_archive.py: 10 sites, 3 years, ~4.4 KB of text
per version, 10-90 captures per article as a crawl makes them) of each size asked for, cached
under the temporary folder, then times each operation in-process (the library calls the CLI
makes) and over HTTP against a real ``newsarchive serve`` on 127.0.0.1 (one server per size,
all running; each operation's calls alternate between the sizes, so the machine's load falls
on every size alike):

    python benchmarks/scale.py                              # 10,000 and 30,000 versions (quick)
    python benchmarks/scale.py --sizes 100000,1000000       # the issue's sizes
    python benchmarks/scale.py --sizes 100000 --load 20     # + 8 clients for 20 s (serve_load.py)
    python benchmarks/scale.py --sizes 100000 --import 0 --postgres postgresql+psycopg://...

It also prints disk per version against the text held, and what each index and the search
index take (SQLite ``dbstat``; on PostgreSQL the largest relations). With ``--postgres`` the
archives are databases on that server (benchmarks/scale_postgres.py). The growth ratio is p50
at the largest size over p50 at the smallest: flat costs give ~1.0, costs that follow the
archive's size give the size ratio. The same ratio of CPU per call (this process's for the
in-process calls, the server's for HTTP; summed over the calls, /proc's 10 ms steps) is the
steadier figure on a shared machine: waiting for a core does not count in it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.scale_archive import (  # noqa: E402
    COMMON_WORD,
    RARE_WORD,
    SITES,
    build_archive,
    export_records,
)
from benchmarks.scale_postgres import ensure_postgres_archive, postgres_disk_report  # noqa: E402
from benchmarks.serve_load import cpu_seconds, serving  # noqa: E402
from storage import open_archive  # noqa: E402
from storage.export import write_jsonl  # noqa: E402
from storage.listing import list_articles, stats  # noqa: E402
from storage.models import Article  # noqa: E402
from storage.queries import get_version, history  # noqa: E402
from storage.schema import SCHEMA_HEAD  # noqa: E402
from storage.search import search  # noqa: E402

GENERATOR = 3  # bump when scale_archive.py writes different data: cached archives are rebuilt
UNTIL = datetime(2025, 12, 1, tzinfo=UTC)


def archive_path(cache: Path, size: int) -> Path:
    return cache / f"scale-{size}-schema{SCHEMA_HEAD}-gen{GENERATOR}.db"


def ensure_archive(cache: Path, size: int) -> Path:
    """The cached archive of ``size`` versions, built first if missing."""
    path = archive_path(cache, size)
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for leftover in cache.glob(partial.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    with open_archive(f"sqlite:///{partial}", auto_migrate=True) as archive:
        built = build_archive(archive, size)
    seconds = time.perf_counter() - started
    print(
        f"built {size:,} versions ({built.articles:,} articles, {built.captures:,} captures) "
        f"in {seconds:.0f} s: {built.versions / seconds:,.0f} versions/s",
        file=sys.stderr,
    )
    with sqlite3.connect(partial) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    return path


@dataclass
class Timing:
    p50: float
    p95: float
    cpu: float  # CPU seconds per call of the process doing the work


@dataclass
class Operation:
    """One call of an operation, and the CPU clock of the process that does its work."""

    work: Callable[[int], Any]
    cpu: Callable[[], float]


def timed_alike(operations: dict[int, Operation], repeats: int) -> dict[int, Timing]:
    """p50/p95 and CPU per call of one operation at each size, the sizes' calls interleaved
    turn by turn (in alternating order), so a change in the shared machine's load falls on
    every size alike; CPU time, which that load disturbs less, is summed over the calls."""
    for operation in operations.values():
        operation.work(0)  # warm: first-use costs (statement caches, pages read) are not the point
    seconds: dict[int, list[float]] = {size: [] for size in operations}
    cpu = dict.fromkeys(operations, 0.0)
    order = list(operations)
    for turn in range(repeats):
        for size in order if turn % 2 == 0 else reversed(order):
            operation = operations[size]
            cpu_before, started = operation.cpu(), time.perf_counter()
            operation.work(turn)
            seconds[size].append(time.perf_counter() - started)
            cpu[size] += operation.cpu() - cpu_before
    timings = {}
    for size, taken in seconds.items():
        taken.sort()
        p95 = taken[min(len(taken) - 1, int(0.95 * len(taken)))]
        timings[size] = Timing(statistics.median(taken), p95, cpu[size] / repeats)
    return timings


def sample_urls(url: str, count: int) -> list[str]:
    with open_archive(url) as archive, archive.read() as session:
        total = session.query(Article).count()
        rng = random.Random(7)
        ids = [rng.randint(1, total) for _ in range(count)]
        return [session.get_one(Article, i).url for i in ids]


def in_process_operations(url: str, urls: list[str]) -> dict[str, Callable[[int], Any]]:
    archive = open_archive(url)

    def read(work: Callable[[Any, int], Any]) -> Callable[[int], Any]:
        def run(turn: int) -> Any:
            with archive.read() as session:
                return work(session, turn)

        return run

    def site(turn: int) -> str:
        return f"site{turn % SITES}.example"

    return {
        "list (first 50)": read(lambda s, t: list(list_articles(s, limit=50))),
        "list --site (first 50)": read(lambda s, t: list(list_articles(s, site=site(t), limit=50))),
        "list page 500 (offset 25,000)": read(
            lambda s, t: list(list_articles(s, limit=50, offset=25_000))
        ),
        "stats": read(lambda s, t: stats(s)),
        "history": read(lambda s, t: history(s, urls[t % len(urls)])),
        "show (latest version)": read(lambda s, t: get_version(s, urls[t % len(urls)])),
        f"search {COMMON_WORD} (common)": read(lambda s, t: search(s, COMMON_WORD)),
        f"search {COMMON_WORD} --site --until": read(
            lambda s, t: search(s, COMMON_WORD, site=site(t), until=UNTIL)
        ),
        f"search {COMMON_WORD} --all-versions --until": read(
            lambda s, t: search(s, COMMON_WORD, all_versions=True, until=UNTIL)
        ),
        f"search {COMMON_WORD} page 100": read(lambda s, t: search(s, COMMON_WORD, offset=1980)),
        f"search {RARE_WORD} (rare)": read(lambda s, t: search(s, RARE_WORD, all_versions=True)),
    }


def http_operations(base: str, urls: list[str]) -> dict[str, Callable[[int], Any]]:
    def get(path: str) -> Callable[[int], Any]:
        def run(turn: int) -> Any:
            target = path.replace("{url}", urls[turn % len(urls)]).replace(
                "{site}", f"site{turn % SITES}.example"
            )
            with urllib.request.urlopen(base + target, timeout=60) as answer:
                return answer.read()

        return run

    return {
        "GET /api/articles": get("/api/articles"),
        "GET /api/articles?page=500": get("/api/articles?page=500"),
        "GET /api/articles?site=": get("/api/articles?site={site}"),
        "GET /sites": get("/sites"),
        "GET /api/sites": get("/api/sites"),
        "GET /sites/{host} (errors by reason)": get("/sites/{site}"),
        "GET /changes": get("/changes"),
        "GET /article?url=": get("/article?" + urlencode({"url": "X"}).replace("X", "{url}")),
        "GET /api/article/versions?url=": get(
            "/api/article/versions?" + urlencode({"url": "X"}).replace("X", "{url}")
        ),
        "GET /api/search?q=common&site=&until=": get(
            f"/api/search?q={COMMON_WORD}&site={{site}}&until=2025-12-01"
        ),
        "GET /search?q=rare": get(f"/search?q={RARE_WORD}"),
    }


def import_rate(cache: Path, count: int) -> str:
    """``newsarchive import-jsonl`` of ``count`` synthetic versions into a new archive."""
    source = cache / f"import-{count}-gen{GENERATOR}.jsonl"
    if not source.exists():
        with source.open("w", encoding="utf-8") as out:
            write_jsonl(export_records(count, seed=99), out)
    target = cache / "import-target.db"
    for leftover in cache.glob("import-target.db*"):
        leftover.unlink()
    newsarchive = Path(sys.executable).with_name("newsarchive")
    load = os.getloadavg()[0]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(newsarchive), "--db", f"sqlite:///{target}", "import-jsonl", str(source)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    floor = search_index_floor(source)
    return (
        f"import-jsonl of {count:,} versions ({source.stat().st_size / 2**20:.0f} MiB) into a new "
        f"archive: {seconds:.1f} s, {count / seconds:,.0f} versions/s (whole process, load "
        f"{load:.1f} at start); CPU {cpu:.1f} s, {count / cpu:,.0f} versions/s of CPU; "
        f"baseline, the same texts into a bare in-memory FTS5 table: {floor:.1f} s of CPU, "
        f"{count / floor:,.0f} versions/s (import = {cpu / floor:.1f}x the search index alone, CPU)"
    )


def search_index_floor(source: Path) -> float:
    """CPU seconds to put the file's titles and texts into an in-memory FTS5 table like ours."""
    rows = []
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            rows.append((record["title"], record["text"]))
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE f USING fts5(title, text, tokenize='unicode61 remove_diacritics 2')"
    )
    started = time.process_time()
    connection.executemany("INSERT INTO f (title, text) VALUES (?, ?)", rows)
    connection.commit()
    return time.process_time() - started


def disk_report(path: Path, text_bytes: int, versions: int) -> list[str]:
    """File size per version and the largest tables and indexes (SQLite dbstat)."""
    size = path.stat().st_size
    lines = [
        f"  disk {size / 2**20:,.0f} MiB: {size / versions / 1024:.1f} KiB per version, "
        f"{size / text_bytes:.2f}x the text it holds ({text_bytes / versions / 1024:.2f} KiB)"
    ]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 14"
        ).fetchall()
    for name, bytes_ in rows:
        lines.append(f"    {name:<40} {bytes_ / versions:8.0f} B/version")
    return lines


def text_bytes_of(path: Path) -> tuple[int, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        count, total = connection.execute(
            "SELECT count(*), sum(length(CAST(text AS BLOB))) FROM versions"
        ).fetchone()
    return int(total), int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000", help="versions, comma-separated")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "newsarchive-scale",
        help="where built archives are kept between runs",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="build and time the archives as databases on this PostgreSQL server instead "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)",
    )
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--import", dest="import_count", type=int, default=20_000, help="versions to import"
    )
    parser.add_argument(
        "--load", type=float, default=0, help="seconds of 8-client load on the largest archive"
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.postgres:
        urls_of = {size: ensure_postgres_archive(args.postgres, size, GENERATOR) for size in sizes}
    else:
        urls_of = {size: f"sqlite:///{ensure_archive(args.cache, size)}" for size in sizes}
    if args.build_only:
        return
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    if args.import_count and not args.postgres:
        print(import_rate(args.cache, args.import_count))
    results: dict[str, dict[int, Timing]] = {}
    with ExitStack() as servers:
        urls = {size: sample_urls(url, args.repeats) for size, url in urls_of.items()}
        operations: dict[int, dict[str, Operation]] = {}
        for size, url in urls_of.items():
            base, pid = servers.enter_context(serving(url))
            in_process = in_process_operations(url, urls[size]).items()
            over_http = http_operations(base, urls[size]).items()
            server_cpu = partial(cpu_seconds, pid)
            operations[size] = {
                **{"in-process: " + k: Operation(w, time.process_time) for k, w in in_process},
                **{"HTTP: " + name: Operation(work, server_cpu) for name, work in over_http},
            }
        for name in operations[sizes[0]]:
            works = {size: operations[size][name] for size in sizes}
            results[name] = timed_alike(works, args.repeats)
    header = "".join(f" | {size:>9,} p50 / p95 ms, CPU ms" for size in sizes)
    print(f"\n| operation{' ' * 40}{header} | growth (p50) | growth (CPU) |")
    for name, by_size in results.items():
        cells = "".join(
            f" | {by_size[s].p50 * 1000:8.1f} / {by_size[s].p95 * 1000:7.1f}, "
            f"{by_size[s].cpu * 1000:6.1f}"
            for s in sizes
        )
        growth = by_size[sizes[-1]].p50 / by_size[sizes[0]].p50
        cpu_growth = by_size[sizes[-1]].cpu / max(by_size[sizes[0]].cpu, 1e-9)
        print(f"| {name:<48}{cells} | {growth:5.2f}x | {cpu_growth:5.2f}x |")
    print()
    for size, url in urls_of.items():
        print(f"{size:,} versions:")
        if args.postgres:
            print("\n".join(postgres_disk_report(url)))
            continue
        path = Path(url.removeprefix("sqlite:///"))
        text_bytes, versions = text_bytes_of(path)
        print("\n".join(disk_report(path, text_bytes, versions)))
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if args.load:
        subprocess.run(
            [
                sys.executable,
                str(REPO / "benchmarks/serve_load.py"),
                urls_of[sizes[-1]],
                "--seconds",
                str(args.load),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
