"""What the store costs per page: the crawl's writer, in-process, on the throughput pages.

Run: python benchmarks/store.py [--copies 5] [--hosts 500] [--profile out.prof]

The pages of benchmarks/throughput.py (the two shared benches, each served ``--copies`` times
with distinct bytes over ``--hosts`` hosts) are extracted once, then recorded into a new
SQLite archive exactly as the crawl's writer thread does (``record_capture`` and
``finish_capture`` for each page, in batches of 50 written by ``write_batch``), then all
again an hour later (each an unchanged re-fetch now). It prints the writer's CPU per page for
each round and, measured in the same run on the same pages, the parts that cannot be avoided:
compressing each raw body, and preparing each version's text for the search index
(``search_text``), so that what is left is the cost of our statements.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.extraction import DEFAULT_BENCH, require_bench  # noqa: E402
from benchmarks.loopback_hosts import host_address  # noqa: E402
from benchmarks.metadata import DEFAULT_BENCH as DEFAULT_METADATA_BENCH  # noqa: E402
from benchmarks.throughput import bench_pages, spread  # noqa: E402
from crawler.extraction import ExtractionError, extract_article  # noqa: E402
from crawler.pipelines.batching import write_batch  # noqa: E402
from crawler.pipelines.frontier_updates import finish_capture  # noqa: E402
from storage import Archive, FetchedPage, open_archive  # noqa: E402
from storage.archive import record_capture  # noqa: E402
from storage.content import ArticleContent  # noqa: E402
from storage.rawbodies import compress_raw_body  # noqa: E402
from storage.revisits import DEFAULT_REVISIT_POLICY  # noqa: E402
from storage.script import search_text  # noqa: E402

BATCH = 50
HOUR = timedelta(hours=1)
Stored = tuple[FetchedPage, ArticleContent]


def prepared(bench_dirs: list[Path], hosts: int, copies: int) -> list[Stored]:
    """Each served page as fetched, with its extracted content (pages without one left out)."""
    pages = []
    now = datetime.now(UTC)
    for served in spread(bench_pages(bench_dirs), hosts, copies):
        url = f"http://{host_address(served.host)}{served.path}"
        try:
            content = extract_article(served.html, url, "text/html; charset=utf-8")
        except ExtractionError:
            continue
        headers = {"content-type": "text/html; charset=utf-8"}
        page = FetchedPage(url, url, now, 200, headers, served.html)
        pages.append((page, content))
    return pages


def store_all(pages: list[Stored], database: str) -> tuple[float, float]:
    """Record every page as the crawl's writer does, then all again (each unchanged now); the
    writer's CPU seconds for each round."""
    with open_archive(database) as archive:
        first = store_round(archive, pages)
        later = [(replace(page, fetched_at=page.fetched_at + HOUR), c) for page, c in pages]
        return first, store_round(archive, later)


def store_round(archive: Archive, pages: list[Stored]) -> float:
    """Record every page once; the writer's CPU seconds."""
    cpu = 0.0
    for start in range(0, len(pages), BATCH):
        batch = pages[start : start + BATCH]
        began = time.thread_time()

        outcomes = write_batch(archive, [partial(_store, page=p, content=c) for p, c in batch])
        failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failed:
            raise failed[0]
        cpu += time.thread_time() - began
    return cpu


def _store(session: Session, page: FetchedPage, content: ArticleContent) -> None:
    result = record_capture(session, page, content)
    finish_capture(session, result, page, None, DEFAULT_REVISIT_POLICY, None)


def parts(pages: list[Stored]) -> tuple[float, float]:
    """CPU seconds of compressing every body and of search_text over every title and text."""
    began = time.process_time()
    for page, _content in pages:
        compress_raw_body(page.body or b"")
    compressing = time.process_time() - began
    began = time.process_time()
    for _page, content in pages:
        search_text(content.title or "")
        search_text(content.text)
    return compressing, time.process_time() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--metadata-bench-dir", type=Path, default=DEFAULT_METADATA_BENCH)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="write the writer's cProfile stats here")
    args = parser.parse_args(argv)
    require_bench(args.bench_dir)
    bench_dirs = [args.bench_dir]
    if (args.metadata_bench_dir / "html").is_dir():
        bench_dirs.append(args.metadata_bench_dir)
    pages = prepared(bench_dirs, args.hosts, args.copies)
    compressing, indexing = parts(pages)
    with tempfile.TemporaryDirectory(prefix="newsarchive-store-") as tmp:
        database = f"sqlite:///{Path(tmp) / 'archive.db'}"
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        cpu, again = store_all(pages, database)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
    per_page = 1000 / len(pages)
    print(
        f"{len(pages)} pages stored: writer {cpu * per_page:.2f} ms CPU/page; of which at least"
        f" zstd {compressing * per_page:.2f}, search_text {indexing * per_page:.2f};"
        f" again, unchanged: {again * per_page:.2f} ms CPU/page;"
        f" load average {os.getloadavg()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
