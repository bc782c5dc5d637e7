"""benchmarks/scale.py on PostgreSQL: the synthetic archives as databases on a given server.

Each size is one database, ``scale_<size>_gen<generator>``, kept on the server between runs
like the SQLite files (built under a ``_building`` name, renamed when complete) and migrated in
place when newsarchive's schema moves on; vacuumed and analysed as autovacuum would leave a
real archive. Start a throwaway server as the tests do (``source .ci/postgres.sh`` prints its
URL) and pass it with ``--postgres``.

The rows are written with the per-site counter triggers off (``session_replication_role =
replica``) and the counters recounted afterwards with ``recount_sites``, as ``migrate-db`` does:
row triggers that update one site row per capture, 40,000 times in one bulk transaction, make
PostgreSQL walk ever longer chains of that row's versions (the build slowed to ~30 versions/s).
The search vector (a generated column) and every index are written as for any write.
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from benchmarks.scale_archive import build_archive
from storage import open_archive
from storage.counters import recount_sites

SERIAL_TABLES = ("sites", "articles", "article_aliases", "versions", "captures")


def database_name(size: int, generator: int) -> str:
    return f"scale_{size}_gen{generator}"


def _server(server_url: str) -> Engine:
    return create_engine(server_url, isolation_level="AUTOCOMMIT")


def ensure_postgres_archive(server_url: str, size: int, generator: int) -> str:
    """The URL of the archive of ``size`` versions on the server, built first if missing."""
    name = database_name(size, generator)
    server = _server(server_url)
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                _build(connection, server_url, name, size)
    finally:
        server.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    open_archive(url, auto_migrate=True).close()  # an archive built by an older schema
    return url


def _build(connection: Connection, server_url: str, name: str, size: int) -> None:
    partial = name + "_building"
    connection.execute(text(f'DROP DATABASE IF EXISTS "{partial}"'))
    connection.execute(text(f'CREATE DATABASE "{partial}"'))
    url = make_url(server_url).set(database=partial).render_as_string(hide_password=False)
    started = time.perf_counter()
    open_archive(url, auto_migrate=True).close()
    without_triggers = make_url(url).update_query_dict(
        {"options": "-c session_replication_role=replica"}
    )
    with open_archive(without_triggers.render_as_string(hide_password=False)) as archive:
        built = build_archive(archive, size)
        with archive.engine.connect() as writer:
            recount_sites(writer)
            for table in SERIAL_TABLES:  # rows were written with explicit ids
                writer.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
            writer.commit()
        with archive.engine.connect() as maintenance:
            maintenance.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
    seconds = time.perf_counter() - started
    print(
        f"built {size:,} versions ({built.articles:,} articles, {built.captures:,} captures) "
        f"on PostgreSQL in {seconds:.0f} s: {built.versions / seconds:,.0f} versions/s",
        file=sys.stderr,
    )
    connection.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))


def postgres_disk_report(url: str) -> list[str]:
    """The database's size per version and its largest tables and indexes."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            versions, text_bytes = connection.execute(
                text("SELECT count(*), sum(octet_length(text)) FROM versions")
            ).one()
            size = connection.scalar(text("SELECT pg_database_size(current_database())"))
            rows = connection.execute(
                text(
                    "SELECT relname, CASE relkind WHEN 'r' THEN pg_table_size(oid) "
                    "ELSE pg_relation_size(oid) END FROM pg_class "
                    "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i') "
                    "ORDER BY 2 DESC LIMIT 14"
                )
            ).all()
    finally:
        engine.dispose()
    lines = [
        f"  disk {size / 2**20:,.0f} MiB: {size / versions / 1024:.1f} KiB per version, "
        f"{size / text_bytes:.2f}x the text it holds ({text_bytes / versions / 1024:.2f} KiB)"
    ]
    lines += [f"    {name:<40} {bytes_ / versions:8.0f} B/version" for name, bytes_ in rows]
    return lines
