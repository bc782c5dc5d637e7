"""Crawl and revisit cost on a local 1,000-article news site (issues 3 and 4).

One run measures, against the same site served on many 127.x.y.z hosts with the default
politeness settings:

1. the first crawl of the site's sitemap: pages per second end to end, peak memory;
2. the same crawl again (nothing new): what a rerun costs;
3. a revisit round after 5 % of the articles changed, with conditional GET answered by 304s:
   wall time, requests, bytes downloaded, rows written and database bytes added, against the
   first crawl; goal: under a fifth of the first crawl's time, one small row per unchanged
   article, one new version per changed article;
4. the same revisit round with a server that never answers 304 (for comparison).

    python benchmarks/crawl.py [--articles 1000] [--hosts 25] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demosite.content import Article
from demosite.server import serve_many
from demosite.site import NewsSite

CHANGED_EVERY = 20  # 5 % of the articles change in round 2


class EditedSite(NewsSite):
    """The demo site, where every 20th article gets one more sentence in round 2."""

    def article(self, number: int, round_number: int | None = None) -> Article:
        base = super().article(number, 1)
        if (round_number or self.round) < 2 or number % CHANGED_EVERY:
            return base
        paragraphs = (*base.paragraphs[:-1], base.paragraphs[-1] + " This sentence was added.")
        return dataclasses.replace(base, paragraphs=paragraphs, modified=self.round_time(2))


def run(database: str, *args: str) -> tuple[float, dict[str, Any]]:
    """Run a newsarchive command; return its wall time and its summary (--json)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "--db", database, *args, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"newsarchive {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return elapsed, lines[-1] if lines else {}


def database_state(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {
        table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("captures", "versions", "raw_bodies", "frontier", "articles")
    }
    last_run = connection.execute(
        "SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1"
    ).fetchone()
    connection.close()
    stats = json.loads(last_run[0]) if last_run else {}
    counts["bytes"] = path.stat().st_size
    counts["response_bytes"] = int(stats.get("downloader/response_bytes", 0))
    counts["requests"] = int(stats.get("downloader/request_count", 0))
    counts["status_304"] = int(stats.get("downloader/response_status_count/304", 0))
    return counts


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    rows = sum(after[t] - before[t] for t in ("captures", "versions", "raw_bodies"))
    return {
        "rows_written": rows,
        "new_versions": after["versions"] - before["versions"],
        "db_bytes_added": after["bytes"] - before["bytes"],
        "requests": after["requests"],
        "bytes_downloaded": after["response_bytes"],
        "answered_304": after["status_304"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=25)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    options = parser.parse_args()
    os.environ["NEWSARCHIVE_ALLOW_PRIVATE_NETWORK"] = "1"  # the site is served on 127.x.y.z

    site = EditedSite(articles=options.articles, now=datetime.now(UTC))
    hosts = [f"127.0.{1 + i // 250}.{2 + i % 250}" for i in range(options.hosts)]
    figures: dict[str, Any] = {"articles": options.articles, "hosts": options.hosts}
    with tempfile.TemporaryDirectory() as folder, serve_many(site, hosts) as servers:
        path = Path(folder) / "bench.db"
        database = f"sqlite:///{path}"
        sitemap = servers.url + "/sitemap-articles.xml"

        first_time, first = run(database, "crawl", "--sitemap", sitemap, "--quiet")
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        after_first = database_state(path)
        figures["first_crawl"] = {
            "seconds": round(first_time, 2),
            "new_articles": first.get("new_articles"),
            "pages_per_second": round(after_first["requests"] / first_time, 1),
            "articles_per_second": round(after_first["articles"] / first_time, 1),
            "peak_rss_mb": round(peak_rss_mb),
            "requests": after_first["requests"],
            "bytes_downloaded": after_first["response_bytes"],
            "db_bytes": after_first["bytes"],
        }

        again_time, again = run(database, "crawl", "--sitemap", sitemap, "--quiet")
        figures["same_crawl_again"] = {
            "seconds": round(again_time, 2),
            "new_articles": again.get("new_articles"),
            "requests": database_state(path)["requests"],
        }

        site.set_round(2)
        before = database_state(path)
        revisit_time, _revisit = run(database, "revisit", "--all")
        after = database_state(path)
        figures["revisit_304"] = {
            "seconds": round(revisit_time, 2),
            "ratio_to_first_crawl": round(revisit_time / first_time, 3),
            **delta(before, after),
        }

        servers.conditional = False
        site.set_round(3)  # nothing changes in round 3 for this site: every article unchanged
        before = database_state(path)
        plain_time, _ = run(database, "revisit", "--all")
        after = database_state(path)
        figures["revisit_without_304"] = {
            "seconds": round(plain_time, 2),
            "ratio_to_first_crawl": round(plain_time / first_time, 3),
            **delta(before, after),
        }

    if options.json:
        print(json.dumps(figures, indent=2))
        return 0
    first_figures = figures["first_crawl"]
    print(f"site: {options.articles} articles on {options.hosts} hosts, default politeness")
    print(
        f"first crawl       {first_figures['seconds']:>7.1f} s  "
        f"{first_figures['pages_per_second']:>6.1f} pages/s  "
        f"peak RSS {first_figures['peak_rss_mb']} MB  "
        f"{first_figures['bytes_downloaded'] / 1e6:.1f} MB downloaded"
    )
    print(
        f"same crawl again  {figures['same_crawl_again']['seconds']:>7.1f} s  "
        f"{figures['same_crawl_again']['requests']} requests"
    )
    for key, label in (
        ("revisit_304", "revisit (304s)"),
        ("revisit_without_304", "revisit (no 304)"),
    ):
        row = figures[key]
        print(
            f"{label:<17} {row['seconds']:>7.1f} s  ratio {row['ratio_to_first_crawl']:.2f}  "
            f"{row['requests']} requests ({row['answered_304']} × 304)  "
            f"{row['bytes_downloaded'] / 1e6:.2f} MB  {row['rows_written']} rows  "
            f"{row['new_versions']} new versions  {row['db_bytes_added'] / 1e3:.0f} kB added"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
