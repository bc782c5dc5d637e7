"""A scheduled round's fixed cost (issue 27): CPU per round when every revisit is a 304.

    python benchmarks/rounds.py [--minutes 3] [--articles 20] [--json]

One site on 127.0.0.1 with ``--articles`` articles that never change (its server answers
conditional requests with 304) and a feed; `newsarchive schedule` runs against it with a
20-second revisit and discovery interval, so each round reads the feed and gets a 304 for every
article: the round's work is small, and its CPU is mostly what any round costs.

It runs the scheduler twice, for ``--minutes`` each, and measures the CPU of the whole process
tree (the scheduler, its rounds' processes, their extraction workers and fork servers, counted
even once they ended) from the end of the first round (the first crawl) to the end:

- ``fresh``: a new process for every round (``NEWSARCHIVE_ROUNDS_PER_PROCESS=1``; started
  ahead of time while the scheduler sleeps, as before rounds were kept warm): the baseline;
- ``warm``: the default, one process doing round after round in one reactor.

Prints CPU seconds per round and per 304, and warm / fresh. Goal: <= 0.3 s of CPU per round.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.proctree import become_subreaper, reap_orphans, tree_cpu  # noqa: E402
from benchmarks.soak import Sites, serve  # noqa: E402

INTERVAL = "20s"


def count(db: Path, query: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
            return int(connection.execute(query).fetchone()[0])
    except sqlite3.Error:
        return 0


def finished_rounds(db: Path) -> int:
    return count(
        db, "SELECT count(*) FROM crawl_runs WHERE command = 'schedule' AND finished_at IS NOT NULL"
    )


def run(mode: str, base: str, minutes: float, folder: Path) -> dict[str, Any]:
    """Run the scheduler for ``minutes``; CPU and rounds after its first round."""
    db = folder / f"{mode}.db"
    config = folder / "sites.toml"
    config.write_text(
        f'[[site]]\nname = "steady"\nfeeds = ["{base}/rss.xml"]\ninterval = "{INTERVAL}"\n'
        f'delay = 0.1\nrevisit = {{ "1d" = "{INTERVAL}" }}\n'
    )
    env = {**os.environ, "NEWSARCHIVE_ALLOW_PRIVATE_NETWORK": "1"}
    if mode == "fresh":
        env["NEWSARCHIVE_ROUNDS_PER_PROCESS"] = "1"
    command = [sys.executable, "-m", "crawler", "--db", f"sqlite:///{db}", "schedule"]
    log = (folder / f"{mode}.log").open("wb")
    service = subprocess.Popen(
        [*command, "--config", str(config)], cwd=REPO, env=env, stdout=log, stderr=log
    )
    try:
        while finished_rounds(db) < 1 and service.poll() is None:
            time.sleep(0.2)
        _, cpu_start = tree_cpu(service.pid)
        rounds_start = finished_rounds(db)
        not_modified_start = count(db, "SELECT count(*) FROM captures WHERE http_status = 304")
        started = time.monotonic()
        while time.monotonic() - started < minutes * 60 and service.poll() is None:
            time.sleep(0.5)
            reap_orphans({service.pid})
        rounds = finished_rounds(db) - rounds_start
        not_modified = count(db, "SELECT count(*) FROM captures WHERE http_status = 304")
        _, cpu_end = tree_cpu(service.pid)
        cpu = cpu_end - cpu_start
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=120)
        log.close()
    return {
        "mode": mode,
        "rounds": rounds,
        "not_modified": not_modified - not_modified_start,
        "cpu_seconds": round(cpu, 2),
        "cpu_per_round": round(cpu / rounds, 3) if rounds else None,
        "cpu_per_304": round(cpu / max(1, not_modified - not_modified_start), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    become_subreaper()
    sites = Sites(1, args.articles, random.Random(1))
    servers = serve(sites)
    load = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory() as folder:
            rows = [
                run(mode, sites.bases[0], args.minutes, Path(folder)) for mode in ("fresh", "warm")
            ]
    finally:
        for server in servers:
            server.shutdown()
    fresh, warm = rows
    ratio = (
        round(warm["cpu_per_round"] / fresh["cpu_per_round"], 2)
        if warm["cpu_per_round"] and fresh["cpu_per_round"]
        else None
    )
    if args.json:
        print(json.dumps({"rows": rows, "warm_over_fresh": ratio, "load": load}, indent=2))
        return
    print(
        f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end, {os.cpu_count()} cores"
    )
    print(f"{'mode':<6} {'rounds':>6} {'304s':>6} {'CPU s':>7} {'CPU/round':>10} {'CPU/304':>8}")
    for row in rows:
        print(
            f"{row['mode']:<6} {row['rounds']:>6} {row['not_modified']:>6} {row['cpu_seconds']:>7} "
            f"{row['cpu_per_round']!s:>10} {row['cpu_per_304']:>8}"
        )
    print(f"warm / fresh CPU per round: {ratio}")


if __name__ == "__main__":
    main()
