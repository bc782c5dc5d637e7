"""`import-jsonl --jobs N` on PostgreSQL: the archive one connection makes, whatever the timing.

Each batch's versions are written by several connections at once (storage/parallel_import.py).
The rows, their ids, the version numbers, the search vectors and the sites' counters must come
out as a single connection writes them; a rerun adds nothing; a kill -9 keeps what committed
and the rerun completes it; bad records are the same counted skips.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from benchmarks.scale_archive import COMMON_WORD, export_records
from storage import open_archive
from storage.export import write_jsonl
from storage.parallel_import import import_batches
from storage.records import ExportedVersion
from tests.conftest import PostgresServer

pytestmark = pytest.mark.postgres_only

REPO = Path(__file__).resolve().parents[2]
ENVIRONMENT = {**os.environ, "PYTHONPATH": str(REPO)}
BATCH = 2_000  # crawler/cli/transfer.py IMPORT_BATCH
TABLES = ("sites", "articles", "article_aliases", "versions")
POOL = list(export_records(60, seed=5))  # a few articles, 1-n versions each


def _cli(url: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "crawler", "--db", url, *arguments]


def _run(url: str, source: Path, jobs: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _cli(url, "import-jsonl", "--jobs", str(jobs), str(source)),
        env=ENVIRONMENT,
        capture_output=True,
        text=True,
        check=False,
    )


def _dump(url: str) -> dict[str, list[str]]:
    """Every row of the imported tables, search vectors included (sites without created_at)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        dump = {
            table: list(
                connection.scalars(
                    text(f"SELECT (to_jsonb(x) - 'created_at')::text FROM {table} x ORDER BY x.id")
                )
            )
            for table in TABLES
        }
    engine.dispose()
    return dump


def _content(url: str) -> list[str]:
    """The rows by what identifies them rather than ids: a rerun after a kill -9 uses other ids
    (ids a killed transaction took from a sequence are not given again), as one connection's."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = list(
            connection.scalars(
                text(
                    "SELECT a.url || (to_jsonb(a) - 'id')::text || coalesce((to_jsonb(v) - 'id' "
                    "- 'article_id')::text, '') FROM articles a LEFT JOIN versions v "
                    "ON v.article_id = a.id ORDER BY a.url, v.number"
                )
            )
        )
        rows += connection.scalars(
            text(
                "SELECT s.host || s.version_count || ',' || s.article_count || al.url || a.url "
                "FROM article_aliases al JOIN articles a ON a.id = al.article_id "
                "JOIN sites s ON s.id = a.site_id ORDER BY al.url"
            )
        )
    engine.dispose()
    return rows


def _consistent(url: str) -> int:
    """Checks what a reader relies on; the number of versions stored."""
    engine = create_engine(url)
    with engine.connect() as connection:
        gaps = connection.scalar(
            text(
                "SELECT count(*) FROM articles a WHERE a.version_count <> "
                "(SELECT count(*) FROM versions v WHERE v.article_id = a.id) OR "
                "a.version_count <> (SELECT coalesce(max(number), 0) FROM versions v "
                "WHERE v.article_id = a.id)"
            )
        )
        counters = connection.execute(
            text(
                "SELECT (SELECT coalesce(sum(version_count), 0) FROM sites), "
                "(SELECT coalesce(sum(version_count), 0) FROM articles), "
                "(SELECT coalesce(sum(article_count), 0) FROM sites), "
                "(SELECT count(*) FROM articles)"
            )
        ).one()
        stored = int(connection.scalar(text("SELECT count(*) FROM versions")) or 0)
    engine.dispose()
    assert gaps == 0  # every article's count and numbers match its versions: 1..n
    assert counters[0] == counters[1]  # the sites' version counters
    assert counters[2] == counters[3]  # and article counters
    return stored


@pytest.fixture
def two_databases(
    postgres_server: PostgresServer, postgres_template: str
) -> Iterator[tuple[str, str]]:
    names = [f"newsarchive_test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    yield (
        postgres_server.create(names[0], template=postgres_template),
        postgres_server.create(names[1], template=postgres_template),
    )
    for name in names:
        postgres_server.drop(name)


def test_jobs_give_the_archive_one_connection_gives(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    source = tmp_path / "versions.jsonl"
    records = list(export_records(2 * BATCH + 300, seed=8))
    with source.open("w", encoding="utf-8") as out:
        write_jsonl(records, out)
        out.write("{not json\n")
        out.write(json.dumps({"url": "https://x.example/a", "version": 1}) + "\n")
        gap = replace(records[0], url="https://site0.example/gap", version=3)
        write_jsonl([gap], out)
    one, several = two_databases

    sequential = _run(one, source, jobs=1)
    parallel = _run(several, source, jobs=3)

    assert sequential.returncode == parallel.returncode == 1  # the skipped records
    assert parallel.stdout == sequential.stdout
    assert f"imported {len(records)} versions" in parallel.stdout
    assert "; 3 skipped" in parallel.stdout
    assert "expected v1 next" in parallel.stderr + parallel.stdout
    assert _dump(several) == _dump(one)
    assert _consistent(several) == len(records)

    search = subprocess.run(
        _cli(several, "search", "--json", COMMON_WORD),
        env=ENVIRONMENT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert search.stdout.strip()  # found right after the import

    again = _run(several, source, jobs=3)
    assert f"imported 0 versions (0 new articles); {len(records)} already archived" in again.stdout
    assert _dump(several) == _dump(one)


@pytest.mark.slow
def test_a_killed_parallel_import_keeps_what_committed_and_resumes(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    source = tmp_path / "versions.jsonl"
    with source.open("w", encoding="utf-8") as out:
        write_jsonl(export_records(4 * BATCH, seed=3), out)
    whole, killed = two_databases
    assert _run(whole, source, jobs=2).returncode == 0

    process = subprocess.Popen(
        _cli(killed, "import-jsonl", "--jobs", "2", str(source)),
        env=ENVIRONMENT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith(f"[{BATCH}] imported"):
            break  # the first batch is committed; the next ones are being written
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stderr.close()

    kept = _consistent(killed)
    assert BATCH <= kept < 4 * BATCH, kept
    rerun = _run(killed, source, jobs=2)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{kept} already archived" in rerun.stdout
    assert _content(killed) == _content(whole)


def _batches(records: list[ExportedVersion], size: int) -> Iterator[list[ExportedVersion]]:
    stream = iter(records)
    return iter(lambda: list(islice(stream, size)), [])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    picks=st.lists(st.integers(0, len(POOL) - 1), max_size=40),
    altered=st.sets(st.integers(0, 39), max_size=4),
    size=st.integers(1, 15),
    jobs=st.integers(2, 4),
)
def test_any_records_any_batches_the_same_as_one_connection(
    postgres_server: PostgresServer,
    postgres_template: str,
    picks: list[int],
    altered: set[int],
    size: int,
    jobs: int,
) -> None:
    """Records in any order, repeated, with gaps and conflicting content: same result and skips."""
    records = [
        replace(POOL[i], content_hash="0" * 64) if n in altered else POOL[i]
        for n, i in enumerate(picks)
    ]
    names = [f"newsarchive_test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    urls = [postgres_server.create(name, template=postgres_template) for name in names]
    try:
        summaries = []
        for url, count in zip(urls, (1, jobs), strict=True):
            with open_archive(url) as archive:
                summaries.append(import_batches(archive, _batches(records, size), jobs=count))
        assert summaries[1] == summaries[0]
        assert _dump(urls[1]) == _dump(urls[0])
        _consistent(urls[1])
    finally:
        for name in names:
            postgres_server.drop(name)
