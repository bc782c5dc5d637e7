"""What keeping each capture's HTTP exchange costs, and how a big WARC/WACZ export streams.

Run: python benchmarks/warc.py [--captures 4000] [--export-captures 40000] [--json]

1. Writes: ``--captures`` captures (half new articles, half unchanged fetches of them) go
   through ``record_capture`` into two fresh SQLite archives, batches alternating, one
   without the HTTP exchange (as before schema 0012) and one with a typical exchange (5
   request headers, 10 response headers, one redirect hop in ten). Prints microseconds per
   capture (median batch), database bytes per capture, the ratios with / without, and the
   time and size of encoding one exchange.
2. A real crawl: two ``newsarchive archive`` rounds over the demo site's ``--crawl-articles``
   articles (304s in the second): bytes the exchanges take per capture and their share of the
   database, beside the stored bodies.
3. Export: ``newsarchive export --format warc`` and ``--format wacz`` of an archive of
   ``--export-captures`` captures with exchanges (20,000 versions by default) in a subprocess
   each, with its peak RSS (``ru_maxrss`` of the child) and wall time, and the same for an
   archive a tenth the size: flat memory means the two peaks are close.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from storage import ArticleContent, FetchedPage, open_archive, record_capture  # noqa: E402
from storage.capture_http import CaptureHttp, HttpHop, encode_http  # noqa: E402

T0 = datetime(2026, 11, 1, tzinfo=UTC)
REQUEST = (
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "en"),
    ("User-Agent", "newsarchive/0.1.0 (news archival crawler; +https://example.invalid)"),
    ("Accept-Encoding", "gzip, deflate, br, zstd"),
    ("If-None-Match", 'W/"c75ea62f8c4ad65df00f"'),
)


def response_headers(n: int) -> tuple[tuple[str, str], ...]:
    return (
        ("Content-Length", str(9000 + n % 100)),
        ("Server", "nginx"),
        ("Date", "Mon, 07 Dec 2026 12:42:46 GMT"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Etag", f'W/"{n:020x}"'),
        ("Last-Modified", "Tue, 30 Apr 2024 11:30:20 GMT"),
        ("Cache-Control", "max-age=0, must-revalidate"),
        ("Content-Encoding", "gzip"),
        ("Vary", "Accept-Encoding"),
        ("Set-Cookie", f"session={n:032x}; Path=/; HttpOnly"),
    )


def page_html(n: int) -> bytes:
    paragraphs = "".join(
        f"<p>Paragraph {p} of story {n}: the council met again on Tuesday to discuss the "
        f"budget, and residents of ward {n % 40} asked about the bridge repairs.</p>"
        for p in range(12)
    )
    return f"<html><head><title>Story {n}</title></head><body>{paragraphs}</body></html>".encode()


def fetch(n: int, article: int, at: datetime, with_http: bool) -> FetchedPage:
    url = f"https://news.example/{article % 7}/2026/story-{article}.html"
    body = page_html(article) + (f"<!-- {n} -->".encode() if n != article else b"")
    http = None
    if with_http:
        hops: tuple[HttpHop, ...] = ()
        if n % 10 == 0:
            hop_url = f"https://news.example/r/{article}"
            hops = (HttpHop(hop_url, 301, (("Location", url), ("Content-Length", "0")), at),)
        http = CaptureHttp(
            request_headers=REQUEST,
            response_headers=response_headers(n),
            hops=hops,
            payload_sha256=None,
        )
    return FetchedPage(url, url, at, 200, {"content-type": "text/html"}, body, http=http)


def content(article: int) -> ArticleContent:
    text = "\n".join(f"Paragraph {p} of story {article}." * 4 for p in range(12))
    return ArticleContent(text=text, title=f"Story {article}", extractor="bench")


def _pages(start: int, stop: int, captures: int, with_http: bool) -> list[Any]:
    articles = captures // 2
    pages = []
    for n in range(start, stop):
        article = n if n < articles else n - articles
        at = T0 + timedelta(seconds=n)
        pages.append((fetch(n, article, at, with_http), content(article)))
    return pages


def _write(session: Any, pages: list[Any]) -> None:
    for page, extracted in pages:
        record_capture(session, page, extracted)


def build(paths: dict[bool, Path], captures: int, batch: int = 200) -> dict[bool, dict[str, float]]:
    """Record ``captures`` into one archive per entry of ``paths`` (key: with the exchange).

    Batches alternate between the archives, so a machine shared with other work slows both
    alike; each archive's own write time is summed.
    """
    spent: dict[bool, list[float]] = {key: [] for key in paths}
    with ExitStack() as stack:
        archives = {
            key: stack.enter_context(open_archive(f"sqlite:///{path}"))
            for key, path in paths.items()
        }
        for start in range(0, captures, batch):
            stop = min(start + batch, captures)
            for key, archive in archives.items():
                pages = _pages(start, stop, captures, key)
                started = time.perf_counter()
                archive.run_write(partial(_write, pages=pages))
                spent[key].append((time.perf_counter() - started) / (stop - start))
    return {
        key: {
            # The median batch: other work on a shared machine lands in a few batches.
            "us_per_capture": statistics.median(spent[key]) * 1e6,
            "db_bytes_per_capture": path.stat().st_size / captures,
        }
        for key, path in paths.items()
    }


def crawl_sizes(folder: Path, articles: int) -> dict[str, float]:
    """Two ``newsarchive archive`` rounds of the demo site: what the exchanges take in the DB."""
    from demosite.server import serve
    from demosite.site import NewsSite

    db = folder / "crawl.db"
    env = {
        **os.environ,
        "NEWSARCHIVE_DB": f"sqlite:///{db}",
        "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1",
        "PYTHONPATH": str(REPO),
    }
    with serve(NewsSite(articles=articles)) as server:
        urls = [server.url + path for path in server.site.article_paths()]
        for number in (1, 2):
            server.site.round = number
            subprocess.run(
                [sys.executable, "-m", "crawler", "archive", *urls],
                env=env,
                capture_output=True,
                check=True,
                cwd=REPO,
            )
    with sqlite3.connect(db) as connection:
        captures, exchange_bytes = connection.execute(
            "SELECT count(*), sum(length(http)) FROM captures"
        ).fetchone()
        body_bytes = connection.execute("SELECT sum(length(data)) FROM raw_bodies").fetchone()[0]
    return {
        "captures": captures,
        "exchange_bytes_per_capture": exchange_bytes / captures,
        "exchange_share_of_db": exchange_bytes / db.stat().st_size,
        "stored_body_bytes_per_capture": body_bytes / captures,
    }


def encode_cost(rounds: int = 2000) -> float:
    """Microseconds to encode one typical exchange (what a capture adds in CPU)."""
    http = fetch(0, 0, T0, with_http=True).http
    assert http is not None
    started = time.perf_counter()
    for _ in range(rounds):
        encode_http(http)
    return (time.perf_counter() - started) / rounds * 1e6


def export(db: Path, fmt: str, out: Path) -> dict[str, float]:
    started = time.perf_counter()
    code = (
        "import resource, sys; from crawler.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
    )
    command = [sys.executable, "-c", code, "--db", f"sqlite:///{db}", "export"]
    done = subprocess.run(
        [*command, "--format", fmt, "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return {
        "seconds": time.perf_counter() - started,
        "peak_rss_mib": peak_kib / 1024,
        "output_mib": out.stat().st_size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=4000, help="for the write comparison")
    parser.add_argument("--export-captures", type=int, default=40000)
    parser.add_argument("--crawl-articles", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        built = build({False: folder / "without.db", True: folder / "with.db"}, args.captures)
        without, with_http = built[False], built[True]
        results["writes"] = {
            "without_http": without,
            "with_http": with_http,
            "time_ratio": with_http["us_per_capture"] / without["us_per_capture"],
            "size_ratio": with_http["db_bytes_per_capture"] / without["db_bytes_per_capture"],
            "encode_us": encode_cost(),
            "encoded_bytes": len(
                encode_http(fetch(0, 0, T0, with_http=True).http or CaptureHttp())
            ),
        }
        results["crawl"] = crawl_sizes(folder, args.crawl_articles)
        build({True: folder / "big.db"}, args.export_captures)
        build({True: folder / "small.db"}, args.export_captures // 10)
        for fmt in ("warc", "wacz"):
            results[f"export_{fmt}"] = {
                "captures": args.export_captures,
                "big": export(folder / "big.db", fmt, folder / f"big.{fmt}"),
                "tenth": export(folder / "small.db", fmt, folder / f"small.{fmt}"),
            }
    results["self_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps(results, indent=2))
        return
    writes = results["writes"]
    for name in ("without_http", "with_http"):
        row = writes[name]
        print(
            f"{name:13} {row['us_per_capture']:8.0f} µs/capture "
            f"{row['db_bytes_per_capture']:8.0f} DB bytes/capture"
        )
    print(f"with/without: time x{writes['time_ratio']:.2f}, size x{writes['size_ratio']:.2f}")
    print(
        f"encoding one exchange: {writes['encode_us']:.0f} µs, "
        f"{writes['encoded_bytes']} bytes stored"
    )
    crawl = results["crawl"]
    print(
        f"demo crawl, 2 rounds, {crawl['captures']} captures: exchange "
        f"{crawl['exchange_bytes_per_capture']:.0f} bytes/capture "
        f"({crawl['exchange_share_of_db']:.1%} of the DB), stored bodies "
        f"{crawl['stored_body_bytes_per_capture']:.0f} bytes/capture"
    )
    for fmt in ("warc", "wacz"):
        row = results[f"export_{fmt}"]
        for size in ("big", "tenth"):
            part = row[size]
            print(
                f"export {fmt} {size:5}: {part['seconds']:6.1f} s, peak RSS "
                f"{part['peak_rss_mib']:6.1f} MiB, {part['output_mib']:6.1f} MiB written"
            )


if __name__ == "__main__":
    main()
