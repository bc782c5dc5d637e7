"""A query matching more versions than BROAD_MATCHES: newest first, filters exact, all reachable.

Both backends list such a query by capture time (storage/search/broad.py on SQLite,
storage/search/postgres_broad.py on PostgreSQL) instead of ranking every match. The archive
holds BROAD_MATCHES + 3,000 versions containing "said", written in bulk through the real schema
(the FTS5 triggers or PostgreSQL's generated search vector fill the index), with capture times
that do not follow the ids, so an order by id would show up. On the PostgreSQL run the same
rows are also written to a SQLite file, and both backends must give the same pages and counts.
"""

from __future__ import annotations

import hashlib
import importlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from storage import Archive, open_archive
from storage.models import Article, Site, Version
from storage.search import count_matches, search
from tests.conftest import ON_POSTGRES, PostgresServer

BROAD_MATCHES: int = importlib.import_module("storage.search.broad").BROAD_MATCHES
START = datetime(2024, 1, 1, tzinfo=UTC)
VERSIONS = BROAD_MATCHES + 3_000
PER_ARTICLE = 2
SITES = ("alpha.example", "beta.example", "news.gamma.example")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def captured(n: int) -> datetime:
    """Article n's first capture: a shuffled order (ids and times disagree)."""
    return START + timedelta(minutes=(n * 7919) % (VERSIONS // PER_ARTICLE) * 60)


def build(archive: Archive) -> None:
    articles = VERSIONS // PER_ARTICLE
    with archive.write() as s:
        s.execute(insert(Site), [{"host": host, "created_at": START} for host in SITES])
        ids = dict(s.query(Site.host, Site.id).all())
        s.execute(
            insert(Article),
            [
                {
                    "id": n,
                    "url": f"https://{SITES[n % 3]}/story/{n}",
                    "url_hash": _hash(f"https://{SITES[n % 3]}/story/{n}"),
                    "site_id": ids[SITES[n % 3]],
                    "first_seen_at": captured(n),
                    "version_count": PER_ARTICLE,
                }
                for n in range(1, articles + 1)
            ],
        )
        rows: list[dict[str, Any]] = []
        for n in range(1, articles + 1):
            for number in range(1, PER_ARTICLE + 1):
                text = f"The minister said report {n} was revised ({number})."
                rows.append(
                    {
                        "article_id": n,
                        "number": number,
                        "captured_at": captured(n) + timedelta(minutes=number),
                        "last_confirmed_at": captured(n),
                        "title": f"Report {n}",
                        "text": text,
                        "content_hash": _hash(text),
                        "extractor": "test",
                        "extractor_version": "test/1",
                    }
                )
        s.execute(insert(Version), rows)


def _sqlite_archive(folder: Path) -> Iterator[Archive]:
    with open_archive(f"sqlite:///{folder / 'archive.db'}") as archive:
        build(archive)
        yield archive


@pytest.fixture(scope="module")
def broad_archive(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Archive]:
    """The archive on the backend of this run, built once for the module."""
    if not ON_POSTGRES:
        yield from _sqlite_archive(tmp_path_factory.mktemp("broad"))
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template: str = request.getfixturevalue("postgres_template")
    name = f"newsarchive_broad_{uuid.uuid4().hex[:12]}"
    with open_archive(server.create(name, template=template)) as archive:
        build(archive)
        yield archive
    server.drop(name)


@pytest.fixture(scope="module")
def sqlite_twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """The same rows in a SQLite archive (for the comparison on the PostgreSQL run)."""
    yield from _sqlite_archive(tmp_path_factory.mktemp("twin"))


def keys(hits: list[Any]) -> list[tuple[str, int]]:
    return [(h.url, h.version) for h in hits]


def newest_first(archive: Archive, *conditions: Any) -> list[tuple[str, int]]:
    """Every version passing ``conditions``, newest first, read straight from the tables."""
    with archive.read() as s:
        rows = s.execute(
            select(Article.url, Version.number)
            .join(Article, Article.id == Version.article_id)
            .join(Site, Site.id == Article.site_id)
            .where(*conditions)
            .order_by(Version.captured_at.desc(), Version.id.desc())
        ).all()
    return [(url, number) for url, number in rows]


def test_broad_query_is_newest_first_and_every_match_reachable(broad_archive: Archive) -> None:
    expected = newest_first(broad_archive)
    assert len(expected) == VERSIONS
    with broad_archive.read() as s:
        assert count_matches(s, "said", all_versions=True) == VERSIONS
        for offset in (0, 9_000, VERSIONS - 15):
            page = search(s, "said", all_versions=True, limit=20, offset=offset)
            assert keys(page) == expected[offset : offset + 20]
        assert "**said**" in page[0].snippet


def test_broad_query_filters_are_exact(broad_archive: Archive) -> None:
    cutoff = START + timedelta(hours=VERSIONS // PER_ARTICLE // 5)
    latest = newest_first(broad_archive, Version.number == Article.version_count)
    early = newest_first(
        broad_archive, Site.host == "news.gamma.example", Version.captured_at < cutoff
    )
    early_latest = [key for key in early if key[1] == PER_ARTICLE]
    with broad_archive.read() as s:
        assert count_matches(s, "said") == len(latest) == VERSIONS // PER_ARTICLE
        assert keys(search(s, "said", offset=5_000)) == latest[5_000:5_020]
        assert count_matches(s, "said", site="gamma.example", until=cutoff) == len(early_latest)
        page = search(s, "said", site="gamma.example", until=cutoff, limit=10, offset=20)
        assert keys(page) == early_latest[20:30]
        page = search(s, "said", site="gamma.example", until=cutoff, all_versions=True, limit=50)
        assert keys(page) == early[:50]


def test_a_narrow_query_is_still_ranked(broad_archive: Archive) -> None:
    with broad_archive.read() as s:
        hits = search(s, '"report 77 was"', all_versions=True)
        assert {h.url for h in hits} == {"https://news.gamma.example/story/77"}
        assert len(hits) == PER_ARTICLE
        assert all(h.score > 0 for h in hits)


# (query, filters): broad queries, with filters that keep many, few or no matches.
SAME_ON_BOTH = [
    ("said", {}),
    ("said", {"all_versions": True}),
    ("minister said", {"site": "gamma.example"}),
    ("said", {"all_versions": True, "until": START + timedelta(hours=500)}),
    ("said", {"since": START + timedelta(hours=3_000), "changed_only": True}),
    ("said OR nothing", {"site": "beta.example", "all_versions": True}),
    ('"minister said"', {"since": START + timedelta(days=10_000)}),
]


@pytest.mark.postgres_only
@pytest.mark.parametrize(("query", "filters"), SAME_ON_BOTH)
def test_both_backends_list_a_broad_query_alike(
    broad_archive: Archive, sqlite_twin: Archive, query: str, filters: dict[str, Any]
) -> None:
    assert broad_archive.dialect == "postgresql"
    with broad_archive.read() as pg, sqlite_twin.read() as lite:
        total = count_matches(lite, query, **filters)
        assert count_matches(pg, query, **filters) == total
        for offset in (0, 37, max(0, total - 25)):
            expected = search(lite, query, limit=50, offset=offset, **filters)
            found = search(pg, query, limit=50, offset=offset, **filters)
            assert keys(found) == keys(expected)
            assert [h.captured_at for h in found] == [h.captured_at for h in expected]


@pytest.mark.postgres_only
def test_after_analyze_the_planner_estimate_decides_alike(
    broad_archive: Archive, sqlite_twin: Archive
) -> None:
    """With statistics on the stored vectors, PostgreSQL takes a query the planner estimates
    far above the threshold as broad and counts any other: a broad query is still listed as on
    SQLite, and a narrow one still ranked."""
    with broad_archive.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE versions"))
    with broad_archive.read() as pg, sqlite_twin.read() as lite:
        for offset in (0, 4_321):
            found = search(pg, "said", all_versions=True, limit=40, offset=offset)
            expected = search(lite, "said", all_versions=True, limit=40, offset=offset)
            assert keys(found) == keys(expected)
        narrow = search(pg, '"report 77 was"', all_versions=True)
        twin = search(lite, '"report 77 was"', all_versions=True)
        assert set(keys(narrow)) == set(keys(twin))
        assert len(narrow) == PER_ARTICLE
        assert all(hit.score > 0 for hit in narrow)


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite walk's plan")
def test_the_walk_reads_the_versions_index_alone(broad_archive: Archive) -> None:
    """The newest-first walk of a broad query with every filter on a version (dates, latest
    only, site) reads ix_versions_captured_at_id (migration 0020) without the versions' rows:
    the statements really sent are recorded and explained."""
    walks: list[str] = []
    cutoff = START + timedelta(hours=VERSIONS // PER_ARTICLE // 5)
    with broad_archive.read() as s:
        connection = s.connection().connection.driver_connection
        assert connection is not None
        connection.set_trace_callback(
            lambda sql: walks.append(sql) if "ORDER BY captured_at DESC" in sql else None
        )
        try:
            hits = search(s, "said", site="gamma.example", until=cutoff, offset=40)
        finally:
            connection.set_trace_callback(None)
        assert hits
        assert walks
        for sql in walks:
            plan = " ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql))
            assert "USING COVERING INDEX ix_versions_captured_at_id" in plan, plan
