"""Discovery at publisher scale: a 4 x 50,000-URL sitemap index, and a 49 MB gzip sitemap.

The script writes the sitemap files to a temporary directory and serves them on 127.0.0.1,
with every listed URL a small article page (og:type article, NewsArticle JSON-LD) answered by
the same server. It runs ``newsarchive crawl`` as a user does and measures:

1. ``--sitemap index.xml --max-articles 3``: seconds until the first article is archived
   (goal <= 10 s: fetching starts while the rest is still being queued), seconds until the
   crawl ends (soon after 3 articles, whatever the sitemap's size), peak memory (goal <= 300 MB);
2. the same index with a large ``--max-articles``: seconds until all 200,000 URLs are queued
   in the frontier (goal <= 30 s), then the crawl is stopped (SIGTERM);
3. ``--sitemap big.xml.gz`` where the file unpacks to ~49 MB, until its 50,000 URLs are all
   queued: peak memory (goal <= 300 MB), seconds to the first article and to queue them all.

Peak memory is the largest resident set of the crawl or any process it started. CPU seconds
are the crawl process's own (user + system, extraction workers not included) until all its
URLs were queued: less disturbed by other load on the machine than wall-clock seconds.
``--profile DIR`` samples each crawl with py-spy (``pip install py-spy``) into
``DIR/<run>.txt`` (collapsed stacks per thread) and prints where the crawl process spent its
time.

    python benchmarks/discovery.py [--files 4] [--urls 50000] [--database-url URL] [--json]
                                   [--profile DIR] [--only index_queue_all]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.proctree import parent_of, rss_and_cpu, tree  # noqa: E402
from storage import open_archive  # noqa: E402
from storage.models import Article, FrontierEntry  # noqa: E402

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
PADDING = "<changefreq>daily</changefreq><priority>0.5</priority>" * 17  # ~49 MB per 50,000


def article_page(number: int) -> bytes:
    title = f"Council agrees budget number {number}"
    text = "<p>CITY — The council met on Tuesday and agreed the budget after a long debate.</p>"
    return (
        f'<html><head><title>{title}</title><meta property="og:type" content="article">'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}"}}'
        f"</script></head><body><article><h1>{title}</h1>{text * 4}</article></body></html>"
    ).encode()


def write_sitemaps(folder: Path, base: str, files: int, urls: int) -> None:
    """index.xml listing ``files`` url sets of ``urls`` each, and big.xml.gz (~49 MB unpacked)."""
    children = "".join(f"<sitemap><loc>{base}/part-{f}.xml</loc></sitemap>" for f in range(files))
    (folder / "index.xml").write_text(f"<sitemapindex {NS}>{children}</sitemapindex>")
    for f in range(files):
        with (folder / f"part-{f}.xml").open("w") as out:
            out.write(f"<urlset {NS}>")
            for n in range(urls):
                out.write(f"<url><loc>{base}/a/{f}-{n}-council-agrees-budget</loc></url>\n")
            out.write("</urlset>")
    with gzip.open(folder / "big.xml.gz", "wt", compresslevel=6) as out:
        out.write(f"<urlset {NS}>")
        for n in range(50_000):
            out.write(f"<url><loc>{base}/a/big-{n}-council-agrees-budget</loc>{PADDING}</url>\n")
        out.write("</urlset>")


def serve(folder: Path) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.startswith("/a/"):
                body, kind = article_page(abs(hash(self.path)) % 10**6), "text/html"
            elif (folder / self.path.lstrip("/")).is_file() and "/" not in self.path[1:]:
                body, kind = (folder / self.path.lstrip("/")).read_bytes(), "application/xml"
            else:
                body, kind = b"User-agent: *\nDisallow:\n", "text/plain"
                if self.path != "/robots.txt":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def counts(database_url: str) -> tuple[int, int]:
    """(articles archived, frontier rows), read without disturbing the crawl's writes.

    Rows are never deleted during a run, so the largest id is their count: one index lookup,
    where ``count(*)`` would scan 200,000 rows four times a second beside the crawl.
    """
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            articles = connection.scalar(select(func.count()).select_from(Article)) or 0
            rows = connection.scalar(select(func.max(FrontierEntry.id))) or 0
            return articles, rows
    except Exception:  # the schema is not there yet, or the database is busy for a moment
        return 0, 0
    finally:
        engine.dispose()


# Runs the crawl, passes SIGTERM on, and prints the largest resident set of the crawl and
# every process it started (ru_maxrss of waited-for children, in kB) as its last line.
PEAK_WRAPPER = """
import resource, signal, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
child.wait()
print("PEAK_RSS_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, flush=True)
sys.exit(child.returncode)
"""


def crawl_pid(wrapper: subprocess.Popen[str]) -> int | None:
    """The crawl process the wrapper started (None until it has started)."""
    return next((pid for pid in tree(wrapper.pid) if parent_of(pid) == wrapper.pid), None)


def cpu_seconds(pid: int | None) -> float | None:
    """CPU seconds (user + system) the process has used so far."""
    return round(rss_and_cpu([pid])[1], 1) if pid is not None else None


def start_profiler(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling ``pid`` until it ends, its stacks (per thread) written to ``output``."""
    beside = Path(sys.executable).parent / "py-spy"  # installed in the same venv, or on PATH
    spy = str(beside) if beside.exists() else "py-spy"
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--threads"]
    command += ["--nonblocking", "--rate", "50", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def crawl(
    database_url: str,
    sitemap: str,
    max_articles: int,
    stop_at_rows: int | None,
    timeout: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Run one crawl; poll the archive for the first article and the queued row count."""
    env = {**os.environ, "NEWSARCHIVE_DB": database_url, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"}
    command = [sys.executable, "-m", "crawler", "crawl", "--sitemap", sitemap, "--delay", "0"]
    command += ["--max-articles", str(max_articles), "--quiet", "--json"]
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", PEAK_WRAPPER, *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    pid = profiler = None
    first_article = queued_all = queued_cpu = None
    while process.poll() is None and time.perf_counter() - started < timeout:
        time.sleep(0.25)
        if pid is None:
            pid = crawl_pid(process)
            if pid is not None and profile is not None:
                profiler = start_profiler(pid, profile)
        articles, rows = counts(database_url)
        elapsed = round(time.perf_counter() - started, 1)
        if articles and first_article is None:
            first_article = elapsed
        if stop_at_rows is not None and rows >= stop_at_rows and queued_all is None:
            queued_all, queued_cpu = elapsed, cpu_seconds(pid)
            process.send_signal(signal.SIGTERM)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=120)
    ended = round(time.perf_counter() - started, 1)
    if profiler is not None:
        profiler.wait(timeout=60)
    articles, rows = counts(database_url)
    lines = out.splitlines()
    peak = [int(line.split()[1]) // 1024 for line in lines if line.startswith("PEAK_RSS_KB")]
    summaries = [json.loads(line) for line in lines if line.startswith("{")]
    summary = summaries[-1] if summaries else {}
    return {
        "first_article_s": first_article,
        "queued_all_s": queued_all,
        "queued_all_cpu_s": queued_cpu,
        "ended_s": ended,
        "articles": articles,
        "frontier_rows": rows,
        "exit_code": process.returncode,
        "new_articles": summary.get("new_articles"),
        "peak_rss_mb": peak[0] if peak else None,
    }


def profile_summary(stacks: Path, top: int = 25) -> list[str]:
    """Where the sampled process spent its time: each thread's share, then the functions with
    the most samples inclusive (ours: crawler/, storage/) and exclusive (anyone's)."""
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        count = int(number)
        frames = stack.split(";")
        total += count
        threads[_thread_role(frames)] += count
        exclusive[frames[-1]] += count
        for frame in set(frames):
            if "crawler/" in frame or "storage/" in frame:
                inclusive[frame] += count
    if not total:
        return ["no samples"]

    def share(counter: Counter[str]) -> list[str]:
        return [f"  {100 * n / total:5.1f}%  {name}" for name, n in counter.most_common(top)]

    lines = [f"{total} samples; by thread:", *share(threads)]
    lines += ["ours, inclusive:", *share(inclusive), "exclusive:", *share(exclusive)]
    return lines


def _thread_role(frames: list[str]) -> str:
    """A thread by its name without the pool's number (``thread (123): archive-writer_0``);
    the asyncio pool's threads run the lease queries."""
    name = frames[0].partition("): ")[2].rstrip("0123456789").rstrip("_") or frames[0]
    return "lease queries (asyncio)" if name == "asyncio" else name


def floor_seconds(folder: Path, base: str, database_url: str) -> float:
    """The same run's baseline: parse part-0.xml and add its URLs to an empty frontier, in this
    process with no crawl around it. Queuing all the files can go no faster than this per file;
    the ratio to it says how much the crawl (fetching at the same time) costs on top."""
    from crawler.discovery.routing import RoutingRules, route_sitemap
    from storage.frontier import add_to_frontier
    from storage.timeutil import utcnow

    started = time.perf_counter()
    routed = route_sitemap((folder / "part-0.xml").read_bytes(), base, RoutingRules())
    with open_archive(database_url) as archive:
        archive.run_write(lambda s: add_to_frontier(s, routed.urls, now=utcnow(), scope="b"))
    return time.perf_counter() - started


def fresh_database(folder: Path, name: str, database_url: str | None) -> str:
    """A new SQLite file, or the PostgreSQL database migrated and emptied, its ids restarted
    (the row count is read as the largest id)."""
    if database_url:
        with open_archive(database_url, auto_migrate=True) as archive:
            names = ", ".join(t.name for t in _tables())
            archive.run_write(
                lambda s: s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            )
        return database_url
    return f"sqlite:///{folder / name}"


def _tables() -> list[Any]:
    from storage.models import Base

    return list(Base.metadata.sorted_tables)


RUNS = ("index_max_articles_3", "index_queue_all", "big_gzip_queue_all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--urls", type=int, default=50_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a temporary SQLite)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", type=Path, help="sample each crawl with py-spy into DIR")
    parser.add_argument("--only", choices=RUNS, action="append", help="run only these crawls")
    args = parser.parse_args()
    runs = args.only or RUNS
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        server = serve(folder)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        write_sitemaps(folder, base, args.files, args.urls)
        total = args.files * args.urls
        results: dict[str, Any] = {
            "backend": "postgresql" if args.database_url else "sqlite",
            "urls": total,
            "big_gzip_bytes": (folder / "big.xml.gz").stat().st_size,
        }
        results["load_average_at_start"] = os.getloadavg()[0]
        url = fresh_database(folder, "floor.db", args.database_url)
        started_cpu = time.process_time()
        floor = floor_seconds(folder, base, url) * args.files
        results["baseline_parse_and_queue_all_s"] = round(floor, 1)
        results["baseline_cpu_s"] = round((time.process_time() - started_cpu) * args.files, 1)
        plans = {
            "index_max_articles_3": ("/index.xml", 3, None),
            "index_queue_all": ("/index.xml", 10**6, total),
            "big_gzip_queue_all": ("/big.xml.gz", 10**6, 50_001),
        }
        for name in runs:
            path, max_articles, stop_at_rows = plans[name]
            url = fresh_database(folder, f"{name}.db", args.database_url)
            stacks = args.profile / f"{name}.txt" if args.profile else None
            results[name] = crawl(url, base + path, max_articles, stop_at_rows, 300, stacks)
            if stacks is not None and stacks.exists():
                print(f"== {name}", *profile_summary(stacks), sep="\n", file=sys.stderr)
        queued = results.get("index_queue_all", {}).get("queued_all_s")
        if queued:
            results["queue_all_vs_baseline"] = round(queued / floor, 2)
        results["load_average_at_end"] = os.getloadavg()[0]
        server.shutdown()
    if args.json:
        print(json.dumps(results))
        return
    for key, value in results.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
