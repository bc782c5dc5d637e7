"""Start-up cost of the read-only commands, as whole processes (issue 27).

Runs each command as a user does (`python -m crawler --db ARCHIVE ...`, a fresh process each
time) against a small archive, and `python -c pass` in the same run as the baseline: an
interpreter start that no code of ours can go below. Prints the median (and the fastest) of
``--runs`` runs per command, its overhead over the baseline, and which heavy packages the
process imported: never Scrapy or trafilatura (those are for crawls), and no SQLAlchemy either on
a current SQLite archive (storage/read_only.py reads it through sqlite3). Goal: every command
<= 300 ms; the "goal" column says whether the median CPU time (user + system, which a loaded
machine disturbs less than the wall time) and the median wall time are within it.

Our modules are byte-compiled first (``compileall``), as ``pip install`` does: the timings are
those of an installed newsarchive, not of a checkout run with PYTHONDONTWRITEBYTECODE.

    python benchmarks/startup.py [--runs 9] [--json]

`python -X importtime -m crawler list 2>&1 | sort -t'|' -k2 -n | tail` names what the rest is.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from storage import (  # noqa: E402
    ArticleContent,
    FetchedPage,
    open_archive,
    record_capture,
)

URL = "https://news.example/politics/budget-vote.html"
COMMANDS = [
    ["--version"],
    ["--help"],
    ["list"],
    ["stats"],
    ["search", "budget"],
    ["show", URL],
    ["history", URL],
    ["diff", URL],
    ["due"],
    ["due", "--queued"],
]
ORM_FLOOR = "import sqlalchemy.orm, sqlalchemy.dialects.sqlite"
SQLITE_FLOOR = "import sqlite3, click"
GOAL_MS = 300
HEAVY = ("scrapy", "trafilatura", "twisted", "sqlalchemy")
# Runs the CLI in-process, then reports which heavy packages the process had imported.
PROBE = (
    "import sys\n"
    "from crawler.__main__ import main\n"
    "sys.argv = ['newsarchive', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    f"print(sorted({{m.split('.')[0] for m in sys.modules if m.startswith({HEAVY!r})}}), "
    "file=sys.stderr)\n"
)


def build_archive(path: Path) -> str:
    url = f"sqlite:///{path}"
    with open_archive(url) as archive:
        for number, text in enumerate(("The budget vote is today.", "The budget vote passed.")):
            page = FetchedPage(
                requested_url=URL,
                final_url=URL,
                fetched_at=datetime(2026, 12, 1, 10 + number, tzinfo=UTC),
                http_status=200,
                headers={"content-type": "text/html"},
                body=f"<html><body><p>{text}</p></body></html>".encode(),
            )
            content = ArticleContent(
                text=text, title="Budget", extractor="bench", extractor_version="1"
            )
            archive.run_write(partial(record_capture, page=page, content=content))
    return url


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run of ``argv``."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = _children_cpu()
        started = time.perf_counter()
        subprocess.run(argv, cwd=REPO, capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
    return walls, cpus


def heavy_imports(db_url: str, command: list[str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", db_url, *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1].replace("'", '"'))
    return modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    packages = [str(REPO / name) for name in ("crawler", "storage", "web", "migrations")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], check=True)
    with tempfile.TemporaryDirectory() as folder:
        db_url = build_archive(Path(folder) / "archive.db")
        base_walls, base_cpus = timed([sys.executable, "-c", "pass"], args.runs)
        baseline = statistics.median(base_walls)
        # The floor of a command that reads the archive: importing SQLAlchemy's ORM and nothing
        # of ours.
        orm_walls, orm_cpus = timed([sys.executable, "-c", ORM_FLOOR], args.runs)
        # What the read commands need now: the standard library's sqlite3 and click.
        lite_walls, lite_cpus = timed([sys.executable, "-c", SQLITE_FLOOR], args.runs)
        rows = []
        for command in COMMANDS:
            argv = [sys.executable, "-m", "crawler", "--db", db_url, *command]
            times, cpus = timed(argv, args.runs)
            rows.append(
                {
                    "command": " ".join(command).replace(URL, "URL"),
                    "median_ms": round(statistics.median(times) * 1000),
                    "fastest_ms": round(min(times) * 1000),
                    "cpu_ms": round(statistics.median(cpus) * 1000),
                    "over_baseline_ms": round((statistics.median(times) - baseline) * 1000),
                    "ratio": round(statistics.median(times) / baseline, 1),
                    "imports": heavy_imports(db_url, command),
                }
            )
    base_cpu = round(statistics.median(base_cpus) * 1000)
    orm_wall = round(statistics.median(orm_walls) * 1000)
    orm_cpu = round(statistics.median(orm_cpus) * 1000)
    lite_wall = round(statistics.median(lite_walls) * 1000)
    lite_cpu = round(statistics.median(lite_cpus) * 1000)
    if args.json:
        summary = {
            "baseline_ms": round(baseline * 1000),
            "baseline_cpu_ms": base_cpu,
            "sqlalchemy_floor_ms": orm_wall,
            "sqlalchemy_floor_cpu_ms": orm_cpu,
            "sqlite3_click_ms": lite_wall,
            "sqlite3_click_cpu_ms": lite_cpu,
            "load_average": os.getloadavg()[0],
        }
        print(json.dumps({**summary, "commands": rows}, indent=2))
        return
    print(
        f"baseline `python -c pass`: {baseline * 1000:.0f} ms wall, {base_cpu} ms CPU "
        f"(medians of {args.runs}); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"`python -c '{ORM_FLOOR}'` (the old floor): {orm_wall} ms wall, {orm_cpu} ms CPU")
    print(f"`python -c '{SQLITE_FLOOR}'`: {lite_wall} ms wall, {lite_cpu} ms CPU")
    print(
        f"{'command':<14} {'median':>8} {'fastest':>8} {'CPU':>7} {'over base':>10} {'x base':>7}"
        f"  {'goal CPU/wall':<14} heavy imports"
    )
    for row in rows:
        heavy = ",".join(row["imports"]) or "none"  # type: ignore[arg-type]
        goal = "/".join(
            "yes" if int(row[key]) <= GOAL_MS else "no"  # type: ignore[call-overload]
            for key in ("cpu_ms", "median_ms")
        )
        print(
            f"{row['command']:<14} {row['median_ms']:>5} ms {row['fastest_ms']:>5} ms "
            f"{row['cpu_ms']:>4} ms {row['over_baseline_ms']:>7} ms {row['ratio']:>6}x  "
            f"{goal:<14} {heavy}"
        )


if __name__ == "__main__":
    main()
