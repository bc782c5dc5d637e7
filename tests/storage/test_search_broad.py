"""A query matching more versions than BROAD_MATCHES: newest first, filters exact, all reachable.

SQLite lists such a query by capture time (storage/search/broad.py) instead of ranking every
match. The archive holds BROAD_MATCHES + 3,000 versions containing "said", written in bulk
through the real schema (the FTS5 triggers fill the index), with capture times that do not
follow the ids, so an order by id would show up.
"""

from __future__ import annotations

import hashlib
import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from storage import Archive
from storage.models import Article, Site, Version
from storage.search import count_matches, search

BROAD_MATCHES: int = importlib.import_module("storage.search.broad").BROAD_MATCHES
START = datetime(2024, 1, 1, tzinfo=UTC)
VERSIONS = BROAD_MATCHES + 3_000
PER_ARTICLE = 2
SITES = ("alpha.example", "beta.example", "news.gamma.example")

pytestmark = pytest.mark.sqlite_only(reason="the newest-first path is SQLite's (FTS5)")


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


@pytest.fixture(scope="module")
def broad_archive(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from storage import open_archive

    path = tmp_path_factory.mktemp("broad") / "archive.db"
    with open_archive(f"sqlite:///{path}") as archive:
        build(archive)
        yield archive


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
