"""Where an import's PostgreSQL server time goes: CPU per part of writing a version (issue 27).

Imports a JSONL file into a new database on the given server (batches of 2,000, as
``import-jsonl`` does), timing each statement's server CPU (the backend's user + system time
from ``/proc``, so the server must run on this machine) and the client's CPU. Then, on the rows
it wrote, times the parts one at a time: the search vector's expression and its pieces, and
inserting 2,000 versions again (rolled back) as they are, without the GIN index, without any
secondary index, with pglz instead of lz4, sent by the client as one multi-row INSERT or by
COPY; and the GIN index kept row by row (with and without fastupdate) against built at once.
Every figure is CPU time, which a loaded machine disturbs less than wall time; each A/B is
repeated ``--runs`` times alternately and the median printed.

    source .ci/postgres.sh
    python benchmarks/import_postgres.py --postgres "$NEWSARCHIVE_TEST_POSTGRES" \\
        /tmp/newsarchive-scale/import-20000-gen2.jsonl
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import Connection, create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from storage import open_archive  # noqa: E402
from storage.importing import import_versions, versions_from_jsonl  # noqa: E402

BATCH = 2_000  # crawler/cli/transfer.py IMPORT_BATCH
DATABASE = "import_postgres_bench"
TICKS = os.sysconf("SC_CLK_TCK")
VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, newsarchive_search_text("
    "COALESCE(title, ''))), 'A') || setweight(to_tsvector('simple'::regconfig, "
    "newsarchive_search_text(text)), 'B'))"
)
COLUMNS = (
    "article_id, number, captured_at, last_confirmed_at, title, authors, published_at, "
    "modified_at, description, text, language, site_name, top_image, section, tags, paywalled, "
    "content_hash, extractor, extractor_version, origin, change, body_source"
)
# The first batch again as new version numbers; ``text || ''`` makes each text a new value,
# compressed as a client's would be (a value copied from another row keeps its compression).
REINSERT = (
    f"INSERT INTO versions ({COLUMNS}) SELECT "
    + COLUMNS.replace("number", "number + 1000000").replace(" text,", " text || '',")
    + f" FROM versions WHERE id <= {BATCH}"
)
SECONDARY = (
    "ix_versions_search",
    "ix_versions_captured_at",
    "ix_versions_captured_at_id",
    "ix_versions_content_hash",
)


def backend_cpu(pid: int) -> float:
    """User + system seconds of server process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _pid(connection: Connection) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def timed_import(url: str, source: Path) -> None:
    """Import ``source`` and print client CPU and each statement kind's server CPU."""
    archive = open_archive(url, auto_migrate=True)
    spent: defaultdict[str, float] = defaultdict(float)
    calls: Counter[str] = Counter()
    started: dict[int, float] = {}

    def before(connection: Connection, *_: Any) -> None:
        if "pid" not in connection.info:
            connection.info["pid"] = _backend(connection)
        started[id(connection)] = backend_cpu(connection.info["pid"])

    def after(connection: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        key = " ".join(statement.split())[:60]
        spent[key] += backend_cpu(connection.info["pid"]) - started.pop(id(connection))
        calls[key] += 1

    event.listen(archive.engine, "before_cursor_execute", before)
    event.listen(archive.engine, "after_cursor_execute", after)
    problems: list[str] = []
    clock, cpu = time.perf_counter(), time.process_time()
    with source.open("rb") as lines:
        records = versions_from_jsonl(lines, problems, source=str(source))
        count = 0
        while batch := list(islice(records, BATCH)):
            count += archive.run_write(partial(import_versions, versions=batch)).versions_imported
    wall, client = time.perf_counter() - clock, time.process_time() - cpu
    archive.close()
    server = sum(spent.values())
    print(
        f"import of {count:,} versions: wall {wall:.1f} s; client CPU {client:.2f} s, server CPU "
        f"{server:.2f} s: {count / (client + server):,.0f} versions/s of CPU "
        f"({1000 * server / count:.2f} ms of server CPU per version)"
    )
    for key, seconds in sorted(spent.items(), key=lambda item: -item[1])[:4]:
        print(f"  {seconds:6.2f} s server  {calls[key]:3d}x  {key}")


def _backend(connection: Connection) -> int:
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    cursor.execute("SELECT pg_backend_pid()")
    row = cursor.fetchone()
    assert row is not None
    pid = int(row[0])
    cursor.close()
    return pid


def parts(url: str, runs: int) -> None:
    """Print the server CPU of each part of writing a version, per version."""
    engine = create_engine(url)
    with engine.connect() as connection:
        pid = _pid(connection)
        count = int(connection.execute(text("SELECT count(*) FROM versions")).scalar_one())

        def cpu_of(*statements: str) -> float:
            start = backend_cpu(pid)
            for statement in statements:
                connection.execute(text(statement))
            return backend_cpu(pid) - start

        def per_version(label: str, seconds: float, rows: int) -> None:
            print(f"  {label}: {1000 * seconds / rows:.3f} ms per version")

        print(f"computing, over the {count:,} versions (SELECT only):")
        for label, expression in (
            ("the stored vector's whole expression", VECTOR),
            ("to_tsvector('simple', text) alone", "to_tsvector('simple'::regconfig, text)"),
            ("newsarchive_search_text(text) alone", "newsarchive_search_text(text)"),
        ):
            per_version(label, cpu_of(f"SELECT sum(length({expression})) FROM versions"), count)
        connection.rollback()

        variants: dict[str, Callable[[], list[str]]] = {
            "as the schema is": list,
            "pglz instead of lz4": lambda: [
                "ALTER TABLE versions ALTER COLUMN text SET COMPRESSION pglz, "
                "ALTER COLUMN search_vector SET COMPRESSION pglz"
            ],
            "without the GIN index": lambda: ["DROP INDEX ix_versions_search"],
            "without any secondary index": lambda: [f"DROP INDEX {i}" for i in SECONDARY],
        }
        samples: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(runs):
            for name, setup in variants.items():
                for statement in setup():
                    connection.execute(text(statement))
                samples[name].append(cpu_of(REINSERT))
                connection.rollback()
        print(f"inserting {BATCH:,} versions again (INSERT ... SELECT, rolled back), median:")
        for name, values in samples.items():
            per_version(name, statistics.median(values), BATCH)
        sent(connection, pid, runs)

        print(f"the GIN index over {count:,} stored vectors in a bare table:")
        connection.execute(text("CREATE TEMP TABLE bare AS SELECT search_vector FROM versions"))
        connection.execute(text("CREATE TABLE gin_rows (v tsvector)"))
        connection.execute(text("CREATE INDEX ON gin_rows USING gin (v)"))
        connection.execute(text("CREATE TABLE gin_direct (v tsvector)"))
        connection.execute(text("CREATE INDEX ON gin_direct USING gin (v) WITH (fastupdate = off)"))
        connection.execute(text("CREATE TABLE gin_none (v tsvector)"))
        with_index = cpu_of("INSERT INTO gin_rows SELECT * FROM bare")
        direct = cpu_of("INSERT INTO gin_direct SELECT * FROM bare")
        without = cpu_of("INSERT INTO gin_none SELECT * FROM bare")
        built = cpu_of("CREATE INDEX ON gin_none USING gin (v)")
        per_version("kept row by row (fastupdate, the default)", with_index - without, count)
        per_version("kept row by row, fastupdate = off", direct - without, count)
        per_version("built once over every row (CREATE INDEX)", built, count)
        connection.rollback()
    engine.dispose()


def sent(connection: Connection, pid: int, runs: int) -> None:
    """Print server and client CPU of sending the versions: multi-row INSERT against COPY."""
    from psycopg.types.json import Json

    names = COLUMNS.split(", ")
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    cursor.execute(f"SELECT {COLUMNS} FROM versions WHERE id <= {BATCH}")
    rows = [
        tuple(
            value + 1_000_000
            if name == "number"
            else Json(value)
            if name in ("authors", "tags", "change") and value is not None
            else value
            for name, value in zip(names, row, strict=True)
        )
        for row in cursor.fetchall()
    ]
    raw.rollback()
    one_row = "(" + ", ".join(["%s"] * len(names)) + ")"

    def values() -> None:
        statement = f"INSERT INTO versions ({COLUMNS}) VALUES " + ", ".join([one_row] * len(rows))
        cursor.execute(statement, [value for row in rows for value in row])

    def copy() -> None:
        cursor.execute(
            "CREATE TEMP TABLE versions_in ON COMMIT DROP AS "
            f"SELECT {COLUMNS} FROM versions WITH NO DATA"
        )
        with cursor.copy(f"COPY versions_in ({COLUMNS}) FROM STDIN") as stream:
            for row in rows:
                stream.write_row(row)
        cursor.execute(f"INSERT INTO versions ({COLUMNS}) SELECT {COLUMNS} FROM versions_in")

    ways = {"one multi-row INSERT with parameters": values, "COPY, then INSERT ... SELECT": copy}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    for _ in range(runs):
        for name, way in ways.items():
            server, client = backend_cpu(pid), time.process_time()
            way()
            samples[name].append((backend_cpu(pid) - server, time.process_time() - client))
            raw.rollback()
    print(f"sending the same {len(rows):,} versions from the client, median per version:")
    for name, pairs in samples.items():
        server = statistics.median(s for s, _ in pairs)
        client = statistics.median(c for _, c in pairs)
        print(
            f"  {name}: server {1000 * server / len(rows):.3f} ms, "
            f"client (psycopg alone) {1000 * client / len(rows):.3f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a JSONL export (scale.py --import writes one)")
    parser.add_argument("--postgres", required=True, help="a server URL (.ci/postgres.sh)")
    parser.add_argument("--runs", type=int, default=5, help="repeats of each A/B (default 5)")
    args = parser.parse_args()
    server = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        connection.execute(text(f"CREATE DATABASE {DATABASE}"))
    server.dispose()
    url = make_url(args.postgres).set(database=DATABASE).render_as_string(hide_password=False)
    print(f"load average {os.getloadavg()[0]:.1f} at start")
    timed_import(url, args.source)
    parts(url, args.runs)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
