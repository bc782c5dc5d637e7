"""The full-text index of migration 0014 against the one before it (0002), in one archive.

Used by benchmarks/query.py: the old index is built beside the new one over the same versions
(same FTS5 options, unfolded and unsegmented text), so sizes, build times, query times and the
recall on the multilingual sample (tests/fixtures/multilingual/articles.json) compare directly.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, text
from sqlalchemy.orm import Session

from storage.database import Archive
from storage.models import Article, ArticleAlias, Site, Version
from storage.search import search
from storage.search.query import to_fts5

SAMPLE = (
    Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "multilingual" / "articles.json"
)
OLD = "versions_fts_0002"
OLD_TABLE = f"""
CREATE VIRTUAL TABLE {OLD} USING fts5(
    title, text, content='versions', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
)
"""
_BAREWORD = re.compile(r"^\w+$")
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def build_old_index(archive: Archive) -> float:
    """Add the 0002 index over every version; the seconds it took."""
    start = time.perf_counter()
    with archive.engine.begin() as connection:
        connection.execute(text(OLD_TABLE))
        connection.execute(text(f"INSERT INTO {OLD} ({OLD}) VALUES ('rebuild')"))
    return time.perf_counter() - start


def rebuild_new_index(archive: Archive) -> float:
    """Refill the 0014 index from scratch, as the migration does; the seconds it took."""
    start = time.perf_counter()
    with archive.engine.begin() as connection:
        connection.execute(text("INSERT INTO versions_fts (versions_fts) VALUES ('delete-all')"))
        connection.execute(
            text(
                "INSERT INTO versions_fts (rowid, title, text) SELECT id, "
                "newsarchive_search_text(title), newsarchive_search_text(text) FROM versions"
            )
        )
    return time.perf_counter() - start


def index_sizes(connection: Connection) -> tuple[float, float]:
    """MB on disk of the (new, old) index: each FTS5 table's shadow tables (dbstat)."""
    rows = connection.execute(
        text("SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'versions_fts%' GROUP BY name")
    ).all()
    old = sum(size for name, size in rows if name.startswith(OLD))
    new = sum(size for name, size in rows if not name.startswith(OLD))
    return new / 1e6, old / 1e6


def unspaced_sizes(count: int, seed: int = 5) -> tuple[float, float, float]:
    """MB of the (0014, 0002) index and of the text, for ``count`` articles in Chinese,
    Japanese, Korean and Thai: the sample's sentences shuffled into new articles."""
    import random
    import sqlite3

    from storage.script import search_text

    rng = random.Random(seed)
    articles = json.loads(SAMPLE.read_text(encoding="utf-8"))["articles"]
    sentences = [
        line
        for article in articles
        if article["lang"] in ("ja", "zh", "ko", "th")
        for line in article["text"].splitlines()
    ]
    db = sqlite3.connect(":memory:")
    db.create_function("f", 1, search_text, deterministic=True)
    db.execute("CREATE TABLE versions (id INTEGER PRIMARY KEY, text TEXT)")
    for name in ("new_fts", "old_fts"):
        db.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5(text, content='versions', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
        )
    rows = [(i, "\n".join(rng.choices(sentences, k=12))) for i in range(1, count + 1)]
    db.executemany("INSERT INTO versions VALUES (?, ?)", rows)
    db.execute("INSERT INTO new_fts (rowid, text) SELECT id, f(text) FROM versions")
    db.execute("INSERT INTO old_fts (old_fts) VALUES ('rebuild')")
    sizes = dict(
        db.execute(
            "SELECT CASE WHEN name LIKE 'new%' THEN 'new' WHEN name LIKE 'old%' THEN 'old' "
            "ELSE 'text' END, SUM(pgsize) FROM dbstat GROUP BY 1"
        ).fetchall()
    )
    return sizes["new"] / 1e6, sizes["old"] / 1e6, sizes["text"] / 1e6


def old_fts5(query: str) -> str:
    """A sample query as the 0002 index was searched: each word bare or quoted, not folded."""
    return " ".join(
        word if _BAREWORD.match(word) else '"' + word.replace('"', '""') + '"'
        for word in query.split()
    )


def ranked(session: Session, table: str, match: str) -> list[int]:
    """One page of ranked version ids from ``table`` (the statement search ranks with)."""
    statement = text(
        f"SELECT v.id FROM {table} JOIN versions v ON v.id = {table}.rowid "
        f"WHERE {table} MATCH :m ORDER BY bm25({table}, 5.0, 1.0) LIMIT 20"
    )
    return list(session.scalars(statement, {"m": match}))


def timings(
    session: Session, queries: list[str], timed: Callable[[Callable[[], object], list[float]], None]
) -> tuple[list[float], list[float]]:
    """Run times (ms) of ``queries`` on the (new, old) index, same ranked statement.

    The queries are ASCII, which both indexes take in the same FTS5 syntax (``to_fts5``); each
    runs once untimed on both first, then timed on both in turn, so neither gets a warmer cache.
    """
    new: list[float] = []
    old: list[float] = []
    for query in queries:
        match = to_fts5(query)
        ranked(session, "versions_fts", match)
        ranked(session, OLD, match)
        timed(partial(ranked, session, "versions_fts", match), new)
        timed(partial(ranked, session, OLD, match), old)
    return new, old


def add_sample(archive: Archive) -> list[dict[str, Any]]:
    """Insert the multilingual sample articles (one version each) under their own site."""
    articles: list[dict[str, Any]] = json.loads(SAMPLE.read_text(encoding="utf-8"))["articles"]
    with archive.engine.begin() as connection:
        site_id = connection.execute(
            insert(Site).returning(Site.id),
            {"host": "sample.example", "name": "sample", "created_at": T0},
        ).scalar_one()
        for article in articles:
            url = article["url"]
            digest = hashlib.sha256(url.encode()).hexdigest()
            article_id = connection.execute(
                insert(Article).returning(Article.id),
                {
                    "url": url,
                    "url_hash": digest,
                    "site_id": site_id,
                    "first_seen_at": T0,
                    "last_captured_at": T0,
                    "version_count": 1,
                    "track": True,
                },
            ).scalar_one()
            connection.execute(
                insert(ArticleAlias),
                {"url": url, "url_hash": digest, "article_id": article_id, "first_seen_at": T0},
            )
            article["version_id"] = connection.execute(
                insert(Version).returning(Version.id),
                {
                    "article_id": article_id,
                    "number": 1,
                    "captured_at": T0,
                    "last_confirmed_at": T0,
                    "title": article["title"],
                    "authors": [],
                    "text": article["text"],
                    "tags": [],
                    "content_hash": digest,
                    "extractor": "benchmark",
                    "extractor_version": "benchmark/1",
                    "origin": "capture",
                },
            ).scalar_one()
    return articles


def recall(session: Session, articles: list[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
    """Per language: (queries, found by search on the new index, found on the old index)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for article in articles:
        for query in article["queries"]:
            row = counts[article["lang"]]
            row[0] += 1
            urls = [hit.url for hit in search(session, query, limit=50)]
            row[1] += article["url"] in urls
            try:
                old_ids = session.scalars(
                    text(f"SELECT rowid FROM {OLD} WHERE {OLD} MATCH :m"), {"m": old_fts5(query)}
                ).all()
            except Exception:
                old_ids = []
            row[2] += article["version_id"] in old_ids
    return {lang: (row[0], row[1], row[2]) for lang, row in counts.items()}
