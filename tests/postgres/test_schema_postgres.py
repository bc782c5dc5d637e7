"""The schema on PostgreSQL: migrations match the models, and an empty database asks for upgrade."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import insert, inspect, text

from storage import open_archive
from storage.schema import alembic_config, check_schema, downgrade, upgrade

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def empty_postgres(postgres_server: Any) -> Iterator[str]:
    """A database with nothing in it, as `createdb` leaves it."""
    name = f"newsarchive_empty_{uuid.uuid4().hex[:12]}"
    yield postgres_server.create(name)
    postgres_server.drop(name)


def newsarchive(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", "--db", db_url, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NEWSARCHIVE_DB": db_url},
        timeout=120,
        check=False,
    )


def test_models_and_migrations_agree_on_postgres(db_url: str) -> None:
    with open_archive(db_url) as archive, archive.engine.begin() as connection:
        assert archive.dialect == "postgresql"
        try:
            command.check(alembic_config(connection))
        except CommandError as error:  # pragma: no cover - the message is the point
            pytest.fail(f"models and migrations differ on PostgreSQL: {error}")


def test_downgrade_to_base_and_upgrade_again_on_postgres(db_url: str) -> None:
    with open_archive(db_url) as archive:
        downgrade(archive, "base")
        assert check_schema(archive) == "empty"
        assert "versions" not in inspect(archive.engine).get_table_names()
        upgrade(archive)
        assert check_schema(archive) == "current"
        indexes = {i["name"] for i in inspect(archive.engine).get_indexes("versions")}
    assert "ix_versions_search" in indexes


def test_an_empty_server_database_asks_for_db_upgrade(empty_postgres: str) -> None:
    refused = newsarchive(empty_postgres, "stats")
    assert refused.returncode == 1
    assert refused.stderr.startswith("newsarchive: error: the database at postgresql")
    assert "run: newsarchive --db URL db upgrade" in refused.stderr
    assert "Traceback" not in refused.stderr

    upgraded = newsarchive(empty_postgres, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "is at schema revision" in upgraded.stdout
    assert newsarchive(empty_postgres, "db", "current").stdout.endswith("(current)\n")
    assert newsarchive(empty_postgres, "stats").returncode == 0


def test_versions_written_before_0017_get_their_stored_vector(db_url: str) -> None:
    """Upgrading an archive from 0016 computes every existing version's search vector."""
    from datetime import UTC, datetime

    from storage.models import Article, Site, Version
    from storage.search import search

    at = datetime(2024, 5, 1, tzinfo=UTC)
    with open_archive(db_url) as archive:
        downgrade(archive, "0016")
        assert "search_vector" not in {
            c["name"] for c in inspect(archive.engine).get_columns("versions")
        }
        with archive.engine.begin() as connection:
            site = connection.execute(
                insert(Site).values(host="old.example", created_at=at).returning(Site.id)
            ).scalar_one()
            article = connection.execute(
                insert(Article)
                .values(
                    url="https://old.example/a",
                    url_hash="0" * 64,
                    site_id=site,
                    first_seen_at=at,
                    version_count=1,
                )
                .returning(Article.id)
            ).scalar_one()
            connection.execute(
                insert(Version).values(
                    article_id=article,
                    number=1,
                    captured_at=at,
                    last_confirmed_at=at,
                    title="Harbour report",
                    text="The ferry timetable was rewritten before the storm.",
                    content_hash="1" * 64,
                    extractor="test",
                    extractor_version="test/1",
                )
            )
        upgrade(archive)
        with archive.read() as session:
            hits = search(session, "timetable")
            assert [hit.url for hit in hits] == ["https://old.example/a"]
            assert [hit.url for hit in search(session, "title:harbour")] == [
                "https://old.example/a"
            ]


def test_search_uses_the_gin_index(db_url: str) -> None:
    from storage.search.postgres import SEARCH_VECTOR

    with open_archive(db_url) as archive, archive.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in connection.execute(
                text(
                    f"EXPLAIN SELECT id FROM versions WHERE {SEARCH_VECTOR} "
                    "@@ CAST('prison' AS tsquery)"
                )
            )
        )
    assert "ix_versions_search" in plan


def test_connections_run_without_jit(db_url: str) -> None:
    """JIT compilation cost 40-600 ms per search statement whose estimate crossed its threshold."""
    with open_archive(db_url) as archive:
        for _ in range(2):  # a fresh connection, then one back from the pool
            with archive.read() as session:
                assert session.scalar(text("SHOW jit")) == "off"
