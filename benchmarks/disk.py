"""Disk per version of a scale archive (issue 27), what alternatives would save, what reads cost.

Copies an archive built by benchmarks/scale_archive.py (cached as benchmarks/scale.py caches
it, under ``$TMPDIR/newsarchive-scale``), VACUUMs the copy and prints its bytes per version and
per table and index (SQLite ``dbstat``, as ``scale.py`` prints it):

    python benchmarks/disk.py --size 20000                  # the archive at this schema
    python benchmarks/disk.py --archive OLD.db              # any archive file
    python benchmarks/disk.py --size 20000 --alternatives   # + each measured alternative
    python benchmarks/disk.py --archive A.db --reads        # + CPU time and plan of the reads
    python benchmarks/disk.py --archive A.db --reads --code /path/to/checkout  # its code

``--alternatives`` applies the changes not made (docs/performance.md "Disk per version")
cumulatively to copies and prints what each saves. ``--reads`` times, in CPU seconds (the
machine is shared), the reads that use the captures' indexes and prints each one's query plan;
``--code`` runs them with another checkout's storage code (the same archive before and after).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# Cumulative: each row applies its SQL on top of the ones above it.
ALTERNATIVES = (
    (
        "requested_url empty when it is the article's URL",
        "UPDATE captures SET requested_url = '' "
        "WHERE requested_url = (SELECT url FROM articles WHERE id = article_id)",
    ),
    (
        "fetched_at as integer microseconds",
        "UPDATE captures SET fetched_at = "
        "CAST((julianday(fetched_at) - 2440587.5) * 86400000000 AS INTEGER)",
    ),
    (
        "outcome as a small integer",
        "UPDATE captures SET outcome = CASE outcome WHEN 'new' THEN 2 WHEN 'changed' THEN 3 "
        "WHEN 'unchanged' THEN 4 WHEN 'not_modified' THEN 5 ELSE 6 END",
    ),
    ("content_type NULL", "UPDATE captures SET content_type = NULL"),
)
DAY = datetime(2025, 6, 1, tzinfo=UTC)


@contextmanager
def vacuumed_copy(path: Path, statements: tuple[str, ...] = ()) -> Iterator[Path]:
    """A copy of the archive with ``statements`` applied, VACUUMed; deleted afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "copy.db"
        shutil.copy(path, copy)
        with closing(sqlite3.connect(copy, isolation_level=None)) as connection:
            for statement in statements:
                connection.execute(statement)
            connection.execute("VACUUM")
        yield copy


def per_version(path: Path) -> tuple[float, list[str]]:
    from benchmarks.scale import disk_report, text_bytes_of

    text_bytes, versions = text_bytes_of(path)
    return path.stat().st_size / versions, disk_report(path, text_bytes, versions)


def reads(urls: list[str]) -> dict[str, Callable[[Any, int], Any]]:
    """The reads that go through the captures' indexes, by name."""
    from storage.activity import errors_by_reason
    from storage.capture_index import index_rows
    from storage.queries import history
    from storage.reextraction import reextract_candidates
    from storage.warc_export import write_warc

    def one_day(session: Any, turn: int) -> Any:
        since = DAY + timedelta(days=turn)
        return write_warc(session, io.BytesIO(), since=since, until=since + timedelta(days=1))

    return {
        "reextract candidates": lambda s, t: reextract_candidates(s),
        "WARC export of one day": one_day,
        "history": lambda s, t: history(s, urls[t % len(urls)]),
        "CDX index of one URL": lambda s, t: list(index_rows(s, urls[t % len(urls)])),
        "site page: errors by reason": lambda s, t: errors_by_reason(s, f"site{t % 10}.example"),
    }


def time_reads(path: Path, repeats: int) -> list[str]:
    """CPU ms per call and the query plans of each read, then of the per-site recount."""
    from sqlalchemy import create_engine, event, select
    from sqlalchemy.orm import Session

    from storage.counters import recount_sites
    from storage.models import Article

    engine = create_engine(f"sqlite:///{path}")
    sent: list[str] = []
    event.listen(engine, "connect", lambda driver, _: driver.set_trace_callback(sent.append))
    with Session(engine) as session:
        urls = list(session.scalars(select(Article.url).order_by(Article.id).limit(50)))
    lines = []
    for name, read in reads(urls).items():
        with Session(engine) as session:
            read(session, 0)  # warm
            sent.clear()
            started = time.process_time()
            for turn in range(repeats):
                read(session, turn)
            cpu = (time.process_time() - started) / repeats
        lines.append(f"  {name}: {cpu * 1000:.1f} ms CPU")
        lines += [f"    {plan}" for plan in plans(path, sent)]
    with vacuumed_copy(path) as copy, create_engine(f"sqlite:///{copy}").begin() as connection:
        started = time.process_time()
        recount_sites(connection)
        lines.append(f"  recount_sites: {(time.process_time() - started) * 1000:.0f} ms CPU")
    return lines


def plans(path: Path, statements: list[str]) -> list[str]:
    """The distinct plans of the statements that read captures (their capture steps)."""
    found: list[str] = []
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        for statement in dict.fromkeys(statements):
            if "captures" not in statement or not statement.lstrip().upper().startswith("SELECT"):
                continue
            rows = connection.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
            steps = " | ".join(str(row[3]) for row in rows if "captures" in str(row[3]))
            if steps and steps not in found:
                found.append(steps)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000, help="versions (a cached build)")
    parser.add_argument("--archive", type=Path, help="an archive file instead of a cached build")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "newsarchive-scale"
    )
    parser.add_argument("--alternatives", action="store_true")
    parser.add_argument("--reads", action="store_true")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--code", type=Path, help="a checkout whose storage code --reads runs")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    if args.code:
        sys.path.insert(0, str(args.code.resolve()))
        import storage  # noqa: F401  (the checkout's, before anything imports ours)
    if args.archive:
        path = args.archive
    else:
        from benchmarks.scale import ensure_archive

        path = ensure_archive(args.cache, args.size)
    print(f"{path} (load average {os.getloadavg()[0]:.1f})")
    with vacuumed_copy(path) as copy:
        base, report = per_version(copy)
    print(f"VACUUMed: {base:,.0f} bytes per version")
    print("\n".join(report))
    if args.alternatives:
        applied: tuple[str, ...] = ()
        last = base
        for name, statement in ALTERNATIVES:
            applied += (statement,)
            with vacuumed_copy(path, applied) as copy:
                size, report = per_version(copy)
            print(f"+ {name}: {size:,.0f} bytes per version ({size - last:+,.0f}); {report[0]}")
            last = size
    if args.reads:
        print(f"reads ({args.code or REPO}), {args.repeats} calls each:")
        print("\n".join(time_reads(path, args.repeats)))


if __name__ == "__main__":
    main()
