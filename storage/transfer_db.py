"""Copying a whole archive between databases (SQLite to PostgreSQL and back), then proving it.

Every table of the models is copied in dependency order with its ids preserved, in batches read
by primary key (keyset pagination: constant memory whatever the size, on any backend). The
target is written in one transaction, so a failed copy leaves it as it was. Afterwards
PostgreSQL's id sequences are moved past the copied ids, and each table's row count and content
hash are computed on both sides and compared.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, LargeBinary, Table, delete, func, select, text, tuple_

from storage.counters import recount_sites
from storage.database import Archive
from storage.errors import StorageError
from storage.models import Base
from storage.timeutil import as_utc

DEFAULT_BATCH = 1000
BLOB_BATCH = 100  # tables with raw bodies: fewer rows per batch keeps memory flat

Progress = Callable[[str, int], None]


class TargetNotEmpty(StorageError):
    """The target archive already holds data; copying would mix two archives."""


@dataclass(frozen=True)
class TableComparison:
    """One table on both sides after a copy."""

    table: str
    source_rows: int
    target_rows: int
    source_sha256: str
    target_sha256: str

    @property
    def matches(self) -> bool:
        return (self.source_rows, self.source_sha256) == (self.target_rows, self.target_sha256)


@dataclass(frozen=True)
class TransferReport:
    source: str
    target: str
    tables: list[TableComparison]

    @property
    def matches(self) -> bool:
        return all(table.matches for table in self.tables)


def archive_tables() -> list[Table]:
    """The archive's tables, parents before children."""
    return list(Base.metadata.sorted_tables)


def _batch_size(table: Table, batch_size: int) -> int:
    blobs = any(isinstance(column.type, LargeBinary) for column in table.columns)
    return min(batch_size, BLOB_BATCH) if blobs else batch_size


def _batches(connection: Connection, table: Table, size: int) -> Iterator[list[dict[str, Any]]]:
    """All rows of ``table`` in primary-key order, ``size`` at a time."""
    key = list(table.primary_key.columns)
    last: tuple[Any, ...] | None = None
    while True:
        query = select(table).order_by(*key).limit(size)
        if last is not None:
            query = query.where(tuple_(*key) > tuple_(*last))
        rows = [dict(row._mapping) for row in connection.execute(query)]
        if not rows:
            return
        yield rows
        last = tuple(rows[-1][column.name] for column in key)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, bytes | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return value


def table_digest(
    connection: Connection, table: Table, batch_size: int = DEFAULT_BATCH
) -> tuple[int, str]:
    """Row count and a sha256 over every row's values in primary-key order, backend-neutral."""
    digest = hashlib.sha256()
    count = 0
    for rows in _batches(connection, table, _batch_size(table, batch_size)):
        for row in rows:
            canonical = {name: _canonical(value) for name, value in row.items()}
            digest.update(json.dumps(canonical, sort_keys=True, default=str).encode())
            digest.update(b"\n")
            count += 1
    return count, digest.hexdigest()


def _nonempty_tables(connection: Connection) -> list[str]:
    return [
        table.name
        for table in archive_tables()
        if connection.execute(select(func.count()).select_from(table)).scalar_one()
    ]


def _fix_sequences(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the copied ids, so new rows get fresh ones."""
    for table in archive_tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer) or not column.autoincrement:
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            ).scalar_one()
            if sequence is None:
                continue
            connection.execute(
                text(
                    f'SELECT setval(:sequence, COALESCE(MAX("{column.name}"), 1), '
                    f'MAX("{column.name}") IS NOT NULL) FROM "{table.name}"'
                ),
                {"sequence": sequence},
            )


def copy_archive(
    source: Archive,
    target: Archive,
    *,
    force: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> TransferReport:
    """Copy every row of ``source`` into ``target`` (both migrated to this schema), then compare.

    A target holding any row is refused with TargetNotEmpty unless ``force``, which deletes its
    rows first (in the same transaction as the copy). ``progress(table, rows_so_far)`` is called
    after each batch.
    """
    if source.url == target.url:
        raise StorageError("the source and the target are the same database")
    tables = archive_tables()
    reading = source.engine.connect()
    if source.dialect == "postgresql":  # one consistent snapshot for the whole copy
        reading = reading.execution_options(isolation_level="REPEATABLE READ")
    with reading, reading.begin(), target.engine.begin() as writing:
        filled = _nonempty_tables(writing)
        if filled and not force:
            raise TargetNotEmpty(
                f"the target {target.url} already holds data (tables: {', '.join(filled)}); "
                "copy into an empty database, or pass --force to delete its rows first"
            )
        for table in reversed(tables):
            writing.execute(delete(table))
        for table in tables:
            copied = 0
            for rows in _batches(reading, table, _batch_size(table, batch_size)):
                writing.execute(table.insert(), rows)
                copied += len(rows)
                if progress is not None:
                    progress(table.name, copied)
        # The target's triggers counted every copied article and capture on top of the copied
        # counters: set them back to what the rows say (the source's, if it was right).
        recount_sites(writing)
        if target.dialect == "postgresql":
            _fix_sequences(writing)
    return compare_archives(source, target, batch_size=batch_size)


def compare_archives(
    source: Archive, target: Archive, *, batch_size: int = DEFAULT_BATCH
) -> TransferReport:
    """Row counts and content hashes of every table on both sides."""
    comparisons = []
    with source.engine.connect() as left, target.engine.connect() as right:
        for table in archive_tables():
            source_rows, source_hash = table_digest(left, table, batch_size)
            target_rows, target_hash = table_digest(right, table, batch_size)
            comparisons.append(
                TableComparison(table.name, source_rows, target_rows, source_hash, target_hash)
            )
    return TransferReport(source.url, target.url, comparisons)
