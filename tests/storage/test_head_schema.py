"""A new SQLite archive made in one step has exactly the schema the migrations make."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Connection, text

from storage import open_archive
from storage.head_schema import SNAPSHOT, migrated_snapshot
from storage.schema import SCHEMA_HEAD, current_revision, downgrade, upgrade

REGENERATE = "make schema-snapshot (python -m storage.head_schema)"


def catalog(connection: Connection) -> list[tuple[object, ...]]:
    """Everything SQLite keeps about the schema, shadow tables included, and every row count."""
    entries = connection.execute(
        text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    ).all()
    tables = [name for kind, name, _table, _sql in entries if kind == "table"]
    counts = [
        (name, connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
        for name in tables
    ]
    pragmas = [
        connection.execute(text(f"PRAGMA {pragma}")).scalar_one()
        for pragma in ("user_version", "application_id", "journal_mode")
    ]
    return [tuple(row) for row in entries] + counts + [tuple(pragmas)]


def test_checked_in_snapshot_is_the_migrated_schema(tmp_path: Path) -> None:
    fresh = migrated_snapshot(tmp_path)
    assert SNAPSHOT.read_text(encoding="utf-8") == fresh, (
        f"{SNAPSHOT.name} is not the schema the migrations make: run {REGENERATE}"
    )


def test_new_archive_from_the_snapshot_equals_a_migrated_one(tmp_path: Path) -> None:
    migrated_snapshot(tmp_path)  # leaves tmp_path/migrated.db, made by Alembic
    with (
        open_archive(f"sqlite:///{tmp_path / 'migrated.db'}") as migrated,
        migrated.engine.connect() as connection,
    ):
        expected = catalog(connection)
    with open_archive(f"sqlite:///{tmp_path / 'one-step.db'}") as made:
        with made.engine.connect() as connection:
            assert catalog(connection) == expected, f"run {REGENERATE}"
        assert current_revision(made) == SCHEMA_HEAD


def test_archive_made_in_one_step_downgrades_and_upgrades(tmp_path: Path) -> None:
    with open_archive(f"sqlite:///{tmp_path / 'cycle.db'}") as archive:
        downgrade(archive, "0012")
        upgrade(archive)
        assert current_revision(archive) == SCHEMA_HEAD


def test_creating_a_new_archive_imports_no_alembic(tmp_path: Path) -> None:
    code = (
        "import sys; from storage import open_archive; "
        f"open_archive('sqlite:///{tmp_path / 'new.db'}').close(); "
        "print(sorted(m for m in sys.modules if m.startswith('alembic')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "[]"
