"""A bulk import fills the search index in one statement per batch: same hits as row by row.

Two archives get the same exported versions: one in a single batch (the bulk path), one a
record at a time (each under the bulk threshold, so the search index's trigger does the work).
Every search must find the same versions, and the archive must keep indexing later writes.
"""

from __future__ import annotations

from functools import partial
from itertools import islice
from pathlib import Path

import pytest
from sqlalchemy import text

from benchmarks.scale_archive import COMMON_WORD, export_records
from storage import Archive, ArticleContent, FetchedPage, open_archive, record_capture
from storage.bulk_versions import BULK_FROM
from storage.importing import import_versions
from storage.search import search
from tests.conftest import ON_POSTGRES
from tests.storage.conftest import T0, html_page

RECORDS = list(export_records(3 * BULK_FROM, seed=5))
_WORDS = RECORDS[7].text.split()
# A common word, a word and a phrase of one text, a prefix, a title's word, an AND and a NOT.
QUERIES = (
    COMMON_WORD,
    _WORDS[3].strip(".").lower(),
    f'"{_WORDS[4]} {_WORDS[5]}"'.replace(".", ""),
    _WORDS[6][:3].lower() + "*",
    (RECORDS[20].title or "").split()[1],
    f"{COMMON_WORD} {_WORDS[3].strip('.')}",
    f"{COMMON_WORD} NOT {_WORDS[3].strip('.')}",
)


def _hits(archive: Archive) -> dict[str, list[tuple[str, int]]]:
    with archive.read() as session:
        return {
            query: [
                (hit.url, hit.version)
                for hit in search(session, query, all_versions=True, limit=500)
            ]
            for query in QUERIES
        }


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's path (PostgreSQL's index is an expression's)")
def test_one_batch_finds_what_record_by_record_finds(archive: Archive, tmp_path: Path) -> None:
    summary = archive.run_write(partial(import_versions, versions=RECORDS))
    assert summary.versions_imported == len(RECORDS)
    with open_archive(f"sqlite:///{tmp_path / 'one-by-one.db'}") as one_by_one:
        records = iter(RECORDS)
        while batch := list(islice(records, BULK_FROM - 1)):
            one_by_one.run_write(partial(import_versions, versions=batch))
        expected = _hits(one_by_one)
    assert all(expected[query] for query in QUERIES), expected  # each query finds something
    assert _hits(archive) == expected


def test_the_archive_keeps_indexing_writes_after_a_bulk_import(archive: Archive) -> None:
    archive.run_write(partial(import_versions, versions=RECORDS))
    url = "https://www.nbcnews.com/news/world/river-floods-lower-town-n1067061"
    body = html_page("River floods lower town", "The quartzriver rose two metres.\n")
    page = FetchedPage(url, url, T0, 200, {"content-type": "text/html"}, body)
    content = ArticleContent(text="The quartzriver rose two metres.\n", title="River floods")
    archive.run_write(partial(record_capture, page=page, content=content))
    with archive.read() as session:
        assert [hit.url for hit in search(session, "quartzriver")] == [url]
        if not ON_POSTGRES:
            check = "INSERT INTO versions_fts (versions_fts, rank) VALUES ('integrity-check', 1)"
            session.execute(text(check))  # raises when the index and the rows disagree
