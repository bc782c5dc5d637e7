"""Archiving throughput as a user pays it: the whole `archive` process vs raw trafilatura.

Run: python benchmarks/throughput.py [--hosts 500] [--copies 5] [--runs 1] [--json]
     [--bench-dir ../shared/extraction-bench] [--metadata-bench-dir ../shared/metadata-bench]

One run measures, on the same pages:
1. raw trafilatura (default settings, no comments), one process, every served page read from
   memory: the baseline;
2. `newsarchive archive --json --from-file urls.txt`, a fresh SQLite archive, timed as the whole
   process (start to exit: imports, worker start, robots.txt, fetches, extraction, writes). The
   pages are the two shared benches' pages (220 distinct), each served ``--copies`` times with
   distinct bytes (a trailing comment, so nothing is spared compressing and storing), spread
   over ``--hosts`` loopback hosts (127.77.0.1, ...) of one asyncio server process
   (benchmarks/loopback_hosts.py), so per-host politeness (one robots.txt per host, the per-host
   delay, 2 requests per host) runs at its defaults, as in a crawl of many publishers.

The headline is the whole-process ratio: pages / process wall time, over raw trafilatura's
pages/s. The crawl-window ratio (Scrapy's spider open to close, minus the extraction workers'
start) is printed as a second line. CPU per page comes from the run's stats: the crawler process
(fetching, parsing responses, items; "fetch"), the extraction workers ("extract") and the writer
thread ("store"). Two cores give at most 2 / (sum of the three) pages per second.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import trafilatura
from sqlalchemy import select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.extraction import DEFAULT_BENCH, require_bench  # noqa: E402
from benchmarks.loopback_hosts import host_address  # noqa: E402
from benchmarks.metadata import DEFAULT_BENCH as DEFAULT_METADATA_BENCH  # noqa: E402
from storage import open_archive  # noqa: E402
from storage.models import CrawlRun  # noqa: E402

TARGET_RATIO = 1.3


@dataclass(frozen=True)
class ServedPage:
    """One page as served: its path on its host and its bytes."""

    host: int
    path: str
    html: bytes


@dataclass
class Result:
    pages: int
    hosts: int
    raw_pages_per_s: float
    raw_cpu_ms_per_page: float
    archived: int
    process_wall_s: float
    process_pages_per_s: float
    process_ratio: float
    window_s: float
    window_ratio: float
    pool_start_s: float
    crawl_elapsed_s: float
    fetch_cpu_ms_per_page: float
    extract_cpu_ms_per_page: float
    store_cpu_ms_per_page: float
    two_core_limit_pages_per_s: float
    load_average: tuple[float, float, float]


def bench_pages(bench_dirs: list[Path]) -> list[tuple[str, bytes]]:
    """(id, HTML bytes) of every page of the given benches (html/<id>.html.gz)."""
    pages = []
    for bench_dir in bench_dirs:
        for path in sorted((bench_dir / "html").glob("*.html.gz")):
            pages.append(
                (
                    f"{bench_dir.name}-{path.name.removesuffix('.html.gz')}",
                    gzip.decompress(path.read_bytes()),
                )
            )
    return pages


def spread(pages: list[tuple[str, bytes]], hosts: int, copies: int) -> list[ServedPage]:
    """Each page ``copies`` times with distinct bytes, dealt round-robin over ``hosts`` hosts."""
    served = []
    for copy in range(copies):
        for n, (page_id, html) in enumerate(pages):
            # Each copy's bytes differ, as a real page's would, so no copy is spared
            # compressing and storing its raw body.
            marker = f"\n<!-- copy {copy} -->\n".encode() if copy else b""
            slot = (copy * len(pages) + n) % hosts
            served.append(ServedPage(slot, f"/{copy}/{page_id}.html", html + marker))
    return served


def raw_trafilatura(pages: list[ServedPage]) -> tuple[float, float]:
    """(pages/s, CPU ms per page) of default trafilatura, one process, pages from memory."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for page in pages:
        trafilatura.extract(
            page.html.decode("utf-8", "replace"),
            url=f"http://{host_address(page.host)}{page.path}",
            include_comments=False,
        )
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return len(pages) / wall, 1000 * cpu / len(pages)


@contextmanager
def loopback_hosts(pages: list[ServedPage], hosts: int, workdir: Path) -> Iterator[list[str]]:
    """Serve ``pages`` from one loopback_hosts.py process; yields their URLs."""
    root = workdir / "pages"
    for page in pages:
        target = root / str(page.host) / page.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(page.html)
    server = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / "loopback_hosts.py"), str(root), str(hosts)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()
        if not ready or ready[0] != "READY":
            sys.exit("throughput.py: the loopback hosts did not start")
        port = int(ready[1])
        yield [f"http://{host_address(p.host)}:{port}{p.path}" for p in pages]
    finally:
        server.kill()
        server.wait()


def archive_run(
    urls: list[str], workdir: Path, profile: Path | None = None
) -> tuple[dict[str, Any], float, int]:
    """Run `newsarchive archive` on ``urls``; (crawl stats, wall seconds, archived pages).

    With ``profile``, the process and its extraction workers are sampled by py-spy (collapsed
    stacks written to that file; see docs/performance.md), which slows the run.
    """
    url_file = workdir / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    database = f"sqlite:///{workdir / 'archive.db'}"
    env = {**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1", "NEWSARCHIVE_DB": database}
    command = [str(Path(sys.executable).with_name("newsarchive")), "archive", "--json"]
    command += ["--from-file"]
    if profile is not None:
        py_spy = ["py-spy", "record", "--subprocesses", "--format", "raw", "--rate", "200"]
        command = [*py_spy, "--output", str(profile), "--", *command]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, str(url_file)], env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    archived = sum(1 for r in results if r.get("status") in ("new", "changed", "unchanged"))
    if archived < len(urls):
        errors = [r for r in results if r.get("status") == "error"][:5]
        print(f"warning: {archived}/{len(urls)} archived; e.g. {errors}", file=sys.stderr)
        print(done.stderr[-2000:], file=sys.stderr)
    with open_archive(database) as archive, archive.read() as session:
        run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        stats = dict(run.stats) if run is not None else {}
    return stats, wall, archived


def measure(bench_dirs: list[Path], hosts: int, copies: int, profile: Path | None = None) -> Result:
    pages = spread(bench_pages(bench_dirs), hosts, copies)
    raw_rate, raw_cpu = raw_trafilatura(pages)
    with (
        tempfile.TemporaryDirectory(prefix="newsarchive-throughput-") as tmp,
        loopback_hosts(pages, hosts, Path(tmp)) as urls,
    ):
        stats, wall, archived = archive_run(urls, Path(tmp), profile)
    elapsed = float(stats.get("elapsed_time_seconds", wall))
    pool_start = float(stats.get("archive/time/pool_start_s", 0.0))
    window = max(elapsed - pool_start, 1e-9)
    store_cpu = float(stats.get("archive/time/store_cpu_s", 0.0))
    fetch_cpu = float(stats.get("archive/time/crawler_cpu_s", 0.0)) - store_cpu
    extract_cpu = float(stats.get("archive/time/extract_cpu_s", 0.0))
    per_page = max(archived, 1)
    total_cpu = fetch_cpu + extract_cpu + store_cpu
    return Result(
        pages=len(pages),
        hosts=hosts,
        raw_pages_per_s=raw_rate,
        raw_cpu_ms_per_page=raw_cpu,
        archived=archived,
        process_wall_s=wall,
        process_pages_per_s=archived / wall,
        process_ratio=archived / wall / raw_rate,
        window_s=window,
        window_ratio=archived / window / raw_rate,
        pool_start_s=pool_start,
        crawl_elapsed_s=elapsed,
        fetch_cpu_ms_per_page=1000 * fetch_cpu / per_page,
        extract_cpu_ms_per_page=1000 * extract_cpu / per_page,
        store_cpu_ms_per_page=1000 * store_cpu / per_page,
        two_core_limit_pages_per_s=2 * per_page / total_cpu if total_cpu else 0.0,
        load_average=os.getloadavg(),
    )


def report(result: Result) -> None:
    print(
        f"{result.pages} pages over {result.hosts} hosts; raw trafilatura, 1 process:"
        f" {result.raw_pages_per_s:.1f} pages/s ({result.raw_cpu_ms_per_page:.1f} ms CPU/page)"
    )
    verdict = "meets" if result.process_ratio >= TARGET_RATIO else "misses"
    print(
        f"whole process: {result.process_ratio:.2f}x ({verdict} the {TARGET_RATIO}x goal);"
        f" {result.archived} archived in {result.process_wall_s:.2f}s"
        f" = {result.process_pages_per_s:.1f} pages/s"
    )
    print(
        f"crawl window:  {result.window_ratio:.2f}x; {result.window_s:.2f}s"
        f" (crawl {result.crawl_elapsed_s:.2f}s incl. {result.pool_start_s:.2f}s worker start)"
    )
    print(
        f"CPU ms per page: fetch {result.fetch_cpu_ms_per_page:.1f}, extract"
        f" {result.extract_cpu_ms_per_page:.1f}, store {result.store_cpu_ms_per_page:.1f};"
        f" two-core limit {result.two_core_limit_pages_per_s:.1f} pages/s;"
        f" load average after {result.load_average}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--metadata-bench-dir", type=Path, default=DEFAULT_METADATA_BENCH)
    parser.add_argument("--hosts", type=int, default=500, help="loopback hosts serving pages")
    parser.add_argument(
        "--copies", type=int, default=5, help="serve each page this many times, distinct bytes"
    )
    parser.add_argument("--runs", type=int, default=1, help="repeat, report each run")
    parser.add_argument("--json", action="store_true", help="one JSON object per run on stdout")
    parser.add_argument(
        "--profile", type=Path, help="sample the archive process with py-spy into this file"
    )
    args = parser.parse_args(argv)
    require_bench(args.bench_dir)
    bench_dirs = [args.bench_dir]
    if (args.metadata_bench_dir / "html").is_dir():
        bench_dirs.append(args.metadata_bench_dir)
    else:
        print(
            f"throughput.py: no metadata-bench at {args.metadata_bench_dir}; using the"
            " extraction-bench pages only",
            file=sys.stderr,
        )
    ratios = []
    for _ in range(args.runs):
        result = measure(bench_dirs, args.hosts, args.copies, args.profile)
        ratios.append(result.process_ratio)
        if args.json:
            print(json.dumps(asdict(result)))
        else:
            report(result)
    if args.runs > 1 and not args.json:
        print(
            f"whole-process ratio over {args.runs} runs: min {min(ratios):.2f}x,"
            f" median {statistics.median(ratios):.2f}x, max {max(ratios):.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
