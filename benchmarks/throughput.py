"""Archiving throughput: `newsarchive archive` end to end vs raw trafilatura from disk.

Run: python benchmarks/throughput.py [--bench-dir ../shared/extraction-bench] [--hosts 45]
     [--copies 3] [--json]

One run measures, on the bench pages:
1. raw trafilatura (default settings, no comments), one process, pages read from disk;
2. `newsarchive archive --from-file urls.txt` in a subprocess with a fresh SQLite archive, the
   pages served over HTTP by one small server per loopback address (127.77.0.1, ...), spread
   over ``--hosts`` hosts, so per-host politeness (DOWNLOAD_DELAY, AutoThrottle, 2 per host)
   runs at its defaults, as in a real crawl.

The archive rate counts pages over the crawl's own window (Scrapy's elapsed time from spider
open to close) minus the one-off start of the extraction workers; the whole subprocess wall
time is printed too. CPU per page comes from the pipeline's stats: the crawler process
(fetching, parsing responses, items; "fetch"), the extraction workers ("extract") and the
writer thread ("store"). Two cores give at most 2 / (sum of the three) pages per second.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trafilatura
from sqlalchemy import select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.extraction import DEFAULT_BENCH, Page, load_bench  # noqa: E402
from storage import open_archive  # noqa: E402
from storage.models import CrawlRun  # noqa: E402

TARGET_RATIO = 1.3
ROBOTS = b"User-agent: *\nAllow: /\n"


class _Handler(BaseHTTPRequestHandler):
    server: _PageServer
    # News servers and CDNs keep connections alive; a crawler meets them over HTTP/1.1.
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self._answer(200, "text/plain", ROBOTS)
        elif self.path in self.server.pages:
            self._answer(200, "text/html; charset=utf-8", self.server.pages[self.path])
        else:
            self._answer(404, "text/plain", b"not found")

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, pages: dict[str, bytes]) -> None:
        super().__init__((host, 0), _Handler)
        self.pages = pages


@dataclass
class Result:
    pages: int
    hosts: int
    raw_pages_per_s: float
    raw_cpu_ms_per_page: float
    archived: int
    archive_pages_per_s: float
    ratio: float
    window_s: float
    pool_start_s: float
    crawl_elapsed_s: float
    subprocess_wall_s: float
    fetch_cpu_ms_per_page: float
    extract_cpu_ms_per_page: float
    store_cpu_ms_per_page: float
    two_core_limit_pages_per_s: float
    load_average: tuple[float, float, float]


def raw_trafilatura(pages: list[Page]) -> tuple[float, float]:
    """(pages/s, CPU ms per page) of default trafilatura, one process, pages from disk."""
    start, start_cpu = time.perf_counter(), time.process_time()
    for page in pages:
        trafilatura.extract(page.html.decode("utf-8"), url=page.url, include_comments=False)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return len(pages) / wall, 1000 * cpu / len(pages)


def serve(pages: list[Page], hosts: int, copies: int) -> tuple[list[_PageServer], list[str]]:
    """One server per loopback address; page i (and its copies) on host i mod ``hosts``."""
    assignments: list[dict[str, bytes]] = [{} for _ in range(hosts)]
    paths: list[tuple[int, str]] = []
    for copy in range(copies):
        for n, page in enumerate(pages):
            path = f"/{copy}/{page.page_id}.html"
            slot = (copy * len(pages) + n) % hosts
            # Each copy's bytes differ (a trailing comment), as a real page's would, so no
            # copy is spared compressing and storing its raw body.
            marker = f"\n<!-- copy {copy} -->\n".encode() if copy else b""
            assignments[slot][path] = page.html + marker
            paths.append((slot, path))
    servers = [
        _PageServer(f"127.77.{i // 250}.{i % 250 + 1}", a) for i, a in enumerate(assignments)
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    urls = []
    for slot, path in paths:
        host, port = servers[slot].server_address[:2]
        urls.append(f"http://{host!s}:{port}{path}")
    return servers, urls


def archive_run(urls: list[str], workdir: Path) -> tuple[dict[str, Any], float, int]:
    """Run `newsarchive archive` on ``urls``; (crawl stats, wall seconds, archived pages)."""
    url_file = workdir / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    database = f"sqlite:///{workdir / 'archive.db'}"
    env = {**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1", "NEWSARCHIVE_DB": database}
    command = [str(Path(sys.executable).with_name("newsarchive")), "archive", "--json"]
    command += ["--from-file"]
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


def measure(bench_dir: Path, hosts: int, copies: int) -> Result:
    pages = load_bench(bench_dir)
    raw_rate, raw_cpu = raw_trafilatura(pages)
    servers, urls = serve(pages, hosts, copies)
    try:
        with tempfile.TemporaryDirectory(prefix="newsarchive-throughput-") as tmp:
            stats, wall, archived = archive_run(urls, Path(tmp))
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    elapsed = float(stats.get("elapsed_time_seconds", wall))
    pool_start = float(stats.get("archive/time/pool_start_s", 0.0))
    window = max(elapsed - pool_start, 1e-9)
    store_cpu = float(stats.get("archive/time/store_cpu_s", 0.0))
    fetch_cpu = float(stats.get("archive/time/crawler_cpu_s", 0.0)) - store_cpu
    extract_cpu = float(stats.get("archive/time/extract_cpu_s", 0.0))
    per_page = max(archived, 1)
    total_cpu = fetch_cpu + extract_cpu + store_cpu
    rate = archived / window
    return Result(
        pages=len(urls),
        hosts=hosts,
        raw_pages_per_s=raw_rate,
        raw_cpu_ms_per_page=raw_cpu,
        archived=archived,
        archive_pages_per_s=rate,
        ratio=rate / raw_rate,
        window_s=window,
        pool_start_s=pool_start,
        crawl_elapsed_s=elapsed,
        subprocess_wall_s=wall,
        fetch_cpu_ms_per_page=1000 * fetch_cpu / per_page,
        extract_cpu_ms_per_page=1000 * extract_cpu / per_page,
        store_cpu_ms_per_page=1000 * store_cpu / per_page,
        two_core_limit_pages_per_s=2 * per_page / total_cpu if total_cpu else 0.0,
        load_average=os.getloadavg(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--hosts", type=int, default=45, help="loopback hosts serving pages")
    parser.add_argument(
        "--copies", type=int, default=3, help="serve each page this many times (longer window)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    result = measure(args.bench_dir, args.hosts, args.copies)
    if args.json:
        print(json.dumps(asdict(result), indent=2))
        return 0
    print(f"{result.pages} pages over {result.hosts} hosts; load average before {load_before}")
    print(
        f"raw trafilatura, 1 process, from disk: {result.raw_pages_per_s:6.1f} pages/s"
        f"  ({result.raw_cpu_ms_per_page:.1f} ms CPU/page)"
    )
    print(
        f"newsarchive archive, end to end:     {result.archive_pages_per_s:6.1f} pages/s"
        f"  ({result.archived} archived in {result.window_s:.2f}s;"
        f" crawl {result.crawl_elapsed_s:.2f}s incl. {result.pool_start_s:.2f}s worker start;"
        f" process {result.subprocess_wall_s:.2f}s)"
    )
    verdict = "meets" if result.ratio >= TARGET_RATIO else "misses"
    print(f"ratio: {result.ratio:.2f}x ({verdict} the {TARGET_RATIO}x goal)")
    print(
        f"CPU ms per page: fetch {result.fetch_cpu_ms_per_page:.1f}, extract"
        f" {result.extract_cpu_ms_per_page:.1f}, store {result.store_cpu_ms_per_page:.1f};"
        f" two-core limit {result.two_core_limit_pages_per_s:.1f} pages/s"
    )
    print(f"load average after: {result.load_average}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
