"""Search on an archive with more matches than any cap: every match reachable, counts true.

The archive (12,600 versions, every one containing "said") is written in bulk through the real
schema (the FTS5 triggers or PostgreSQL's index expression fill the index), in capture order, so
the oldest versions have the lowest ids: a search that ranked only the newest N matches before
filtering would find nothing before CUTOFF.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from starlette.testclient import TestClient

from storage import Archive
from storage.models import Article, Site, Version
from storage.search import count_matches, search
from web import create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

START = datetime(2024, 1, 1, tzinfo=UTC)
ARTICLES = 4_200
VERSIONS_PER_ARTICLE = 3  # 12,600 versions
SITES = ("alpha.example", "beta.example", "news.gamma.example")
CUTOFF = START + timedelta(days=90)  # the first ~8 % of versions were captured before it


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _version_row(article_id: int, number: int, at: datetime) -> dict[str, Any]:
    text = (
        f"The minister said on day {at:%j} that report {article_id} was revised "
        f"(revision {number}). Officials gave few details about the investigation."
    )
    return {
        "article_id": article_id,
        "number": number,
        "captured_at": at,
        "last_confirmed_at": at,
        "title": f"Report {article_id} update {number}",
        "text": text,
        "content_hash": _hash(text),
        "extractor": "test",
        "extractor_version": "test/1",
    }


def build_big_archive(archive: Archive) -> dict[int, list[datetime]]:
    """Articles published over three years, each edited twice; {article id: capture times}."""
    step = timedelta(days=3 * 365) / ARTICLES
    times: dict[int, list[datetime]] = {}
    with archive.write() as s:
        s.execute(insert(Site), [{"host": host, "created_at": START} for host in SITES])
        site_ids = dict(s.query(Site.host, Site.id).all())
        articles = []
        for n in range(1, ARTICLES + 1):
            url = f"https://{SITES[n % 3]}/story/{n}"
            articles.append(
                {
                    "id": n,
                    "url": url,
                    "url_hash": _hash(url),
                    "site_id": site_ids[SITES[n % 3]],
                    "first_seen_at": START + step * n,
                    "version_count": VERSIONS_PER_ARTICLE,
                }
            )
            times[n] = [START + step * n + timedelta(hours=h) for h in range(VERSIONS_PER_ARTICLE)]
        s.execute(insert(Article), articles)
        # In capture order: every article's versions before the next article's.
        rows = [
            _version_row(n, number, at)
            for n in range(1, ARTICLES + 1)
            for number, at in enumerate(times[n], start=1)
        ]
        s.execute(insert(Version), rows)
    return times


@pytest.fixture
def big(archive: Archive) -> dict[int, list[datetime]]:
    return build_big_archive(archive)


def _page_through(archive: Archive, **filters: Any) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    with archive.read() as s:
        while True:
            hits = search(s, "said", limit=2_000, offset=len(found), **filters)
            found += [(hit.url, hit.version) for hit in hits]
            if len(hits) < 2_000:
                return found


def test_every_match_is_reachable_and_counted(
    archive: Archive, big: dict[int, list[datetime]]
) -> None:
    total = ARTICLES * VERSIONS_PER_ARTICLE
    every = _page_through(archive, all_versions=True)
    assert len(every) == len(set(every)) == total
    with archive.read() as s:
        assert count_matches(s, "said", all_versions=True) == total
        assert count_matches(s, "said") == ARTICLES
        # The oldest matches, which a cap on the newest would never rank.
        early = [(n, v) for n, ts in big.items() for v, t in enumerate(ts, 1) if t < CUTOFF]
        assert early
        assert count_matches(s, "said", all_versions=True, until=CUTOFF) == len(early)
        hits = search(s, "said", all_versions=True, until=CUTOFF, limit=10_000)
        assert {(h.url.rsplit("/", 1)[1], h.version) for h in hits} == {
            (str(n), v) for n, v in early
        }
        assert all("**said**" in h.snippet for h in hits[:5])


def test_latest_versions_filtered_by_site_and_dates(
    archive: Archive, big: dict[int, list[datetime]]
) -> None:
    until = START + timedelta(days=400)
    expected = {
        (f"https://beta.example/story/{n}", VERSIONS_PER_ARTICLE)
        for n, ts in big.items()
        if n % 3 == 1 and ts[-1] < until
    }
    found = _page_through(archive, site="beta.example", until=until)
    assert len(found) == len(expected)
    assert set(found) == expected
    with archive.read() as s:
        assert count_matches(s, "said", site="beta.example", until=until) == len(expected)
        assert count_matches(s, "said", since=until) == ARTICLES - sum(
            1 for ts in big.values() if ts[-1] < until
        )


@pytest.mark.usefixtures("big")
def test_api_pages_past_ten_thousand_matches(archive: Archive) -> None:
    client = TestClient(create_app(archive), base_url="http://127.0.0.1:8000")
    # 12,600 matches, 100 a page: page 120 holds matches 11,901-12,000.
    page = client.get(
        "/api/search", params={"q": "said", "all_versions": "true", "per_page": 100, "page": 120}
    )
    assert page.status_code == 200, page.text
    body = page.json()
    assert len(body["items"]) == 100
    assert body["next"]
    last = client.get(
        "/api/search", params={"q": "said", "all_versions": "true", "per_page": 100, "page": 126}
    )
    assert len(last.json()["items"]) == 100
    assert last.json()["next"] is None
