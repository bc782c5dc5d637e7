"""Migrations: the schema is built, checked and reversed by Alembic only."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text

from storage import SchemaTooNew, open_archive
from storage.schema import (
    SCHEMA_HEAD,
    alembic_config,
    check_schema,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)


def test_new_database_is_created_at_head(tmp_path: Path) -> None:
    with open_archive(f"sqlite:///{tmp_path / 'new.db'}") as archive:
        assert current_revision(archive) == head_revision()
        tables = set(inspect(archive.engine).get_table_names())
    assert {"articles", "article_aliases", "versions", "captures", "raw_bodies", "sites"} <= tables


def test_schema_head_names_the_newest_migration() -> None:
    # Archives at SCHEMA_HEAD are opened without Alembic: a new migration must bump it, or
    # archives would never be upgraded to it.
    assert head_revision() == SCHEMA_HEAD


def test_models_and_migrations_agree(tmp_path: Path) -> None:
    with (
        open_archive(f"sqlite:///{tmp_path / 'check.db'}") as archive,
        archive.engine.begin() as connection,
    ):
        try:
            command.check(alembic_config(connection))
        except CommandError as error:  # pragma: no cover - the assertion message is the point
            pytest.fail(f"models and migrations differ: {error}")


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    with open_archive(f"sqlite:///{tmp_path / 'cycle.db'}") as archive:
        downgrade(archive, "base")
        assert check_schema(archive) == "empty"
        assert "versions" not in inspect(archive.engine).get_table_names()
        upgrade(archive)
        assert check_schema(archive) == "current"


def test_database_from_a_newer_newsarchive_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    with open_archive(url) as archive, archive.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    with pytest.raises(SchemaTooNew, match="newer newsarchive"):
        open_archive(url)
