"""Migration 0002: the SQLite search index, its triggers, and a clean `alembic check`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect, text

from storage import CaptureResult, open_archive
from storage.schema import alembic_config, downgrade, upgrade
from storage.search import search

Capture = Callable[..., CaptureResult]
URL = "https://news.example/a"


@pytest.mark.sqlite_only(reason="migration 0002 builds the FTS5 index; PostgreSQL's is 0006")
def test_versions_archived_before_the_migration_are_searchable(
    tmp_path: Path, capture: Capture, db_url: str
) -> None:
    # Today's code writes today's version columns: those added after 0002 exist for the write.
    later_columns = {
        ("versions", "body_source"): "VARCHAR(16)",  # migration 0011
        ("captures", "http"): "BLOB",  # migration 0012
    }
    with open_archive(db_url) as archive:
        downgrade(archive, "0001")
        assert "versions_fts" not in inspect(archive.engine).get_table_names()
        with archive.engine.begin() as connection:
            for (table, name), kind in later_columns.items():
                connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
    capture(URL, "Harbour closed", "The harbour closed after the storm.\n")
    plain = create_engine(db_url)  # open_archive would migrate on opening
    with plain.begin() as connection:
        for table, name in later_columns:
            connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))
    plain.dispose()
    with open_archive(db_url) as archive:
        upgrade(archive)
        with archive.read() as s:
            assert [h.url for h in search(s, "harbour")] == [URL]


def test_index_follows_updates_and_deletes(capture: Capture, db_url: str) -> None:
    capture(URL, "Closed", "The harbour closed after the storm.\n")
    with open_archive(db_url) as archive:
        with archive.engine.begin() as connection:
            connection.execute(text("UPDATE versions SET text = 'The port reopened.'"))
        with archive.read() as s:
            assert search(s, "harbour") == []
            assert [h.url for h in search(s, "reopened")] == [URL]
        with archive.engine.begin() as connection:
            connection.execute(text("DELETE FROM articles"))
        with archive.read() as s:
            assert search(s, "reopened") == []


@pytest.mark.sqlite_only(reason="FTS5 shadow tables")
def test_fts_tables_are_invisible_to_alembic_check(db_url: str, capture: Capture) -> None:
    capture(URL, "Harbour closed", "The harbour closed after the storm.\n")
    with open_archive(db_url) as archive, archive.engine.begin() as connection:
        assert {"versions_fts", "versions_fts_data"} <= set(inspect(connection).get_table_names())
        differences = ""
        try:
            command.check(alembic_config(connection))
        except CommandError as error:
            differences = str(error)
    # Other pending model changes are not this revision's business; the FTS tables are.
    assert "versions_fts" not in differences
