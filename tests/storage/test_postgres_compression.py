"""Migration 0021: on PostgreSQL new versions' text and search vector are stored with lz4.

Versions written before the migration keep their pglz values; both kinds read back whole and
are found by search, and downgrading puts the default method back for later writes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

import pytest
from sqlalchemy import text

from benchmarks.scale_archive import COMMON_WORD, export_records
from storage import Archive
from storage.importing import import_versions
from storage.schema import downgrade, upgrade
from storage.search import search

pytestmark = pytest.mark.postgres_only

# Long enough to be compressed (over PostgreSQL's 2 KB TOAST threshold) and compressible.
RECORDS = [replace(r, text=r.text * 3) for r in export_records(40, seed=11)]


def _methods(archive: Archive) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    with archive.read() as session:
        rows = session.execute(
            text(
                "SELECT a.url, v.number, pg_column_compression(v.text), "
                "pg_column_compression(v.search_vector) "
                "FROM versions v JOIN articles a ON a.id = v.article_id"
            )
        ).all()
    return {(url, number): (text_m, vector_m) for url, number, text_m, vector_m in rows}


def _lz4_supported(archive: Archive) -> bool:
    with archive.read() as session:
        return bool(
            session.scalar(
                text(
                    "SELECT count(*) FROM pg_settings "
                    "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
                )
            )
        )


def test_versions_written_before_and_after_are_read_and_found(archive: Archive) -> None:
    if not _lz4_supported(archive):
        pytest.skip("this PostgreSQL has no lz4")
    before, after = RECORDS[:20], RECORDS[20:]
    downgrade(archive, "0020")
    archive.run_write(partial(import_versions, versions=before))
    upgrade(archive)
    archive.run_write(partial(import_versions, versions=after))

    methods = _methods(archive)
    # pglz gives up on a vector when it saves under a quarter: stored as it is (None).
    assert {methods[r.url, r.version] for r in before} <= {("pglz", "pglz"), ("pglz", None)}
    assert {methods[r.url, r.version] for r in after} == {("lz4", "lz4")}
    with archive.read() as session:
        stored = {
            (url, number): value
            for url, number, value in session.execute(
                text(
                    "SELECT a.url, v.number, v.text FROM versions v "
                    "JOIN articles a ON a.id = v.article_id"
                )
            )
        }
        found = search(session, COMMON_WORD, all_versions=True, limit=500)
    hits = {(hit.url, hit.version) for hit in found}
    assert stored == {(r.url, r.version): r.text for r in RECORDS}
    word = re.compile(rf"\b{COMMON_WORD}\b", re.IGNORECASE)
    expected = {(r.url, r.version) for r in RECORDS if word.search(f"{r.title} {r.text}")}
    assert hits == expected
    assert expected & {(r.url, r.version) for r in before}
    assert expected & {(r.url, r.version) for r in after}


def test_downgrade_restores_the_default_method(archive: Archive) -> None:
    if not _lz4_supported(archive):
        pytest.skip("this PostgreSQL has no lz4")
    downgrade(archive, "0020")
    archive.run_write(partial(import_versions, versions=RECORDS[:5]))
    assert {text_method for text_method, _ in _methods(archive).values()} == {"pglz"}
