"""Whole ``newsarchive import-jsonl`` processes into PostgreSQL: before, one connection, several.

Each run imports the JSONL file into a new database on the given server (``db upgrade`` first,
not timed) and measures the process's wall time, its CPU (user + system) and the server's
(every PostgreSQL process of the server: the postmaster's reaped children and its live ones,
before and after, from ``/proc``, so the server must run on this machine, with autovacuum off,
or one run's vacuum lands in the next). The variants (the code before, from a checkout of it
given with ``--before``, then this code with each ``--jobs`` value) run alternately ``--runs``
times; the medians are printed with their ratio to the first variant, the baseline of the same
run. Load average at start and end of each run: wall time on a shared machine follows the
load, CPU much less.

    source .ci/postgres.sh
    psql "${NEWSARCHIVE_TEST_POSTGRES/+psycopg/}" -c 'ALTER SYSTEM SET autovacuum = off' \\
        -c 'SELECT pg_reload_conf()'
    mkdir /tmp/before && git archive main | tar -x -C /tmp/before
    python benchmarks/import_postgres_jobs.py --postgres "$NEWSARCHIVE_TEST_POSTGRES" \\
        --before /tmp/before --jobs 1 2 /tmp/newsarchive-scale/import-20000-gen3.jsonl
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.serve_load import cpu_seconds  # noqa: E402

DATABASE = "import_jobs_bench"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    """One import: wall seconds, the process's CPU, the server's CPU, load before and after."""

    label: str
    wall: float
    client: float
    server: float
    load: tuple[float, float]


def server_cpu(postmaster: int) -> float:
    """CPU seconds of the whole server: the postmaster, its reaped children and live ones."""
    fields = Path(f"/proc/{postmaster}/stat").read_text().rpartition(")")[2].split()
    total = sum(int(value) for value in fields[11:15]) / TICKS
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile: its time is in the postmaster's reaped children
            continue
        if int(stat[1]) == postmaster:
            total += cpu_seconds(int(entry.name))
    return total


def _postmaster(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:  # the backend's parent, read while it runs
        backend = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
        parent = int(Path(f"/proc/{backend}/stat").read_text().rpartition(")")[2].split()[1])
    engine.dispose()
    return parent


def one_run(server: str, source: Path, label: str, code: Path, options: list[str]) -> Run:
    """A new database, migrated; then the timed import into it by the code in ``code``."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    admin.dispose()
    url = make_url(server).set(database=DATABASE).render_as_string(hide_password=False)
    command = [sys.executable, "-m", "crawler", "--db", url]
    environment = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run(
        [*command, "db", "upgrade"], check=True, capture_output=True, env=environment, cwd=code
    )
    postmaster = _postmaster(server)
    load = os.getloadavg()[0]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server_cpu(postmaster)
    started = time.perf_counter()
    subprocess.run(
        [*command, "import-jsonl", *options, str(source)],
        check=True,
        env=environment,
        cwd=code,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    server_after = server_cpu(postmaster)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    return Run(label, wall, client, server_after - server_before, (load, os.getloadavg()[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a JSONL export (scale.py --import writes one)")
    parser.add_argument("--postgres", required=True, help="a server URL (.ci/postgres.sh)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="values to run")
    parser.add_argument("--runs", type=int, default=2, help="runs of each variant (default 2)")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of the code before (git archive main | tar -x -C DIR): the baseline",
    )
    args = parser.parse_args()
    count = sum(1 for line in args.source.open("rb") if line.strip())
    variants = {f"--jobs {jobs}": (REPO, ["--jobs", str(jobs)]) for jobs in args.jobs}
    if args.before:
        variants = {"before": (args.before.resolve(), []), **variants}
    runs: list[Run] = []
    for _ in range(args.runs):
        for label, (code, options) in variants.items():
            run = one_run(args.postgres, args.source, label, code, options)
            runs.append(run)
            print(
                f"{label}: wall {run.wall:.1f} s, {count / run.wall:,.0f} versions/s; "
                f"client CPU {run.client:.2f} s, server CPU {run.server:.2f} s, together "
                f"{count / (run.client + run.server):,.0f} versions/s of CPU "
                f"(load {run.load[0]:.1f} -> {run.load[1]:.1f})",
                flush=True,
            )
    medians = {
        label: (
            statistics.median(r.wall for r in runs if r.label == label),
            statistics.median(r.client + r.server for r in runs if r.label == label),
        )
        for label in variants
    }
    base = next(iter(variants))
    print(f"medians of {args.runs} runs each, {count:,} versions ({args.source.name}):")
    for label, (wall, cpu) in medians.items():
        print(
            f"  {label}: wall {wall:.1f} s, {count / wall:,.0f} versions/s "
            f"({medians[base][0] / wall:.2f}x {base}); CPU {cpu:.1f} s, "
            f"{count / cpu:,.0f} versions/s of CPU ({medians[base][1] / cpu:.2f}x)"
        )


if __name__ == "__main__":
    main()
