"""Synthetic archives for benchmarks/scale.py: N versions over 10 sites and 3 years.

Versions are ExportedVersion records (the export format; ~4.4 KB of text each, edits change a
few sentences, titles sometimes); captures are made as a crawl makes them (10-90 per article:
one per version, the rest unchanged or 304, about 2 % errors). A whole archive is written with
bulk inserts into a migrated archive: the search index's trigger runs as for any write; the
captures' indexes and counter triggers are rebuilt once at the end and the per-site counters
recounted from the rows (``_loading``). ``export_records`` gives the same records for an
``import-jsonl`` run.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from storage import Archive
from storage.counters import recount_sites
from storage.models import Article, ArticleAlias, Site, Version
from storage.records import ExportedVersion

SITES = 10
START = datetime(2023, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)
COMMON_WORD = "said"
RARE_WORD = "quartzmantle"
RARE_EVERY = 5_000  # one version in this many holds RARE_WORD
SYLLABLES = tuple(
    "kalominerusativobedafegohujipareSetowayizoanelinonur".lower()[i : i + 2]
    for i in range(0, 52, 2)
)
FILLER = ("the", "a", "of", "to", "and", "in", "for", "on", "with", "at", "by", "from", "as", "was")
INSERT_BATCH = 2_000
CONTENT_TYPE = "text/html; charset=utf-8"


def _vocabulary(rng: random.Random, size: int = 6_000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


@dataclass
class TextBank:
    """Sentences to build texts from: Zipf-like word frequencies, so some words are common."""

    sentences: list[str]
    rng: random.Random

    @classmethod
    def make(cls, seed: int) -> TextBank:
        rng = random.Random(seed)
        vocabulary = _vocabulary(rng)
        weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
        sentences = []
        for _ in range(20_000):
            words = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(9, 15))
            for _ in range(4):
                words.insert(rng.randrange(len(words)), rng.choice(FILLER))
            if rng.random() < 0.15:
                words.insert(rng.randrange(len(words)), COMMON_WORD)
            sentences.append(" ".join(words).capitalize() + ".")
        return cls(sentences, rng)

    def text(self) -> list[str]:
        """About 4.4 KB: six paragraphs of sentences (kept as a list so edits swap a few)."""
        return self.rng.choices(self.sentences, k=42)

    def edit(self, sentences: list[str]) -> list[str]:
        edited = list(sentences)
        for _ in range(self.rng.randint(1, 4)):
            edited[self.rng.randrange(len(edited))] = self.rng.choice(self.sentences)
        if self.rng.random() < 0.3:
            edited.append(self.rng.choice(self.sentences))
        return edited


def _paragraphs(sentences: list[str]) -> str:
    return "\n".join(" ".join(sentences[i : i + 8]) for i in range(0, len(sentences), 8))


def _version_counts(rng: random.Random, total: int) -> list[int]:
    counts: list[int] = []
    remaining = total
    while remaining > 0:
        count = min(remaining, rng.choice((1, 1, 1, 2, 2, 3, 4, 5, 6)))
        counts.append(count)
        remaining -= count
    return counts


def export_records(total: int, seed: int = 27) -> Iterator[ExportedVersion]:
    """``total`` versions in the export format, article by article, oldest article first."""
    rng = random.Random(seed)
    bank = TextBank.make(seed)
    counts = _version_counts(rng, total)
    firsts = sorted(START + SPAN * rng.random() for _ in counts)
    serial = 0
    for index, (count, first_seen) in enumerate(zip(counts, firsts, strict=True)):
        site = f"site{index % SITES}.example"
        url = f"https://{site}/news/{first_seen:%Y/%m}/story-{index}"
        sentences = bank.text()
        title = " ".join(rng.choice(bank.sentences).split()[:8]).rstrip(".")
        at = first_seen
        for number in range(1, count + 1):
            serial += 1
            if number > 1:
                sentences = bank.edit(sentences)
                at += timedelta(hours=rng.uniform(0.25, 72))
                if rng.random() < 0.2:
                    title = title + " (updated)"
            text = _paragraphs(sentences)
            if serial % RARE_EVERY == 0:
                text += f"\nA note on {RARE_WORD} ends this version."
            yield ExportedVersion(
                url=url,
                site=site,
                first_seen_at=first_seen,
                version=number,
                captured_at=at,
                last_confirmed_at=at + timedelta(hours=1),
                title=title,
                authors=[f"Reporter {index % 97}"],
                published_at=first_seen,
                modified_at=at if number > 1 else None,
                description=None,
                text=text,
                language="en",
                site_name=f"Site {index % SITES}",
                top_image=None,
                section="news",
                tags=[],
                paywalled=False,
                content_hash=hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
                extractor="newsarchive",
                extractor_version="bench/1",
                origin="capture",
                change=None
                if number == 1
                else {"fields": ["body"], "words_added": 12, "words_removed": 9, "notices": []},
            )


@dataclass
class Built:
    """What a build wrote."""

    versions: int
    articles: int
    captures: int
    text_bytes: int


class _Writer:
    """Buffers rows per table and inserts them in batches, parents before children.

    Captures (18 per version) go straight to the driver as tuples: SQLAlchemy's per-row
    parameter processing cost more than SQLite's insert of the row.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.rows: dict[Any, list[dict[str, Any]]] = {Article: [], ArticleAlias: [], Version: []}
        self.captures: list[tuple[Any, ...]] = []

    def add(self, model: Any, row: dict[str, Any]) -> None:
        self.rows[model].append(row)

    def add_capture(self, row: tuple[Any, ...]) -> None:
        self.captures.append(row)
        if len(self.captures) >= 20 * INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        with self.connection.begin():
            for model, rows in self.rows.items():
                for start in range(0, len(rows), INSERT_BATCH):
                    self.connection.execute(insert(model), rows[start : start + INSERT_BATCH])
                rows.clear()
            driver = self.connection.connection.dbapi_connection
            assert driver is not None
            mark = "?" if self.connection.dialect.name == "sqlite" else "%s"
            marks = ", ".join([mark] * len(CAPTURE_COLUMNS.split(",")))
            driver.cursor().executemany(
                f"INSERT INTO captures ({CAPTURE_COLUMNS}) VALUES ({marks})", self.captures
            )
            self.captures.clear()


@contextmanager
def _loading(archive: Archive) -> Iterator[Connection]:
    """One connection that loads rows fast and leaves the archive as any write would.

    The captures' indexes and triggers (per-site counters) are dropped while rows go in and
    created again from their own SQL at the end, then the counters are recounted from the rows
    (``recount_sites``, as ``migrate-db`` does): building an index over sorted keys once is
    many times quicker than 18 random B-tree inserts per version into each of eight indexes.
    The search index's trigger stays, so versions are indexed as for any write. Durability is
    off (a build that dies is rebuilt from scratch: it is written under a ``.building`` name).
    """
    with archive.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            # PostgreSQL: benchmarks/scale_postgres.py turns the triggers off for the build's
            # session and recounts the counters itself afterwards.
            yield connection
            return
        driver = connection.connection.dbapi_connection  # autocommit: pragmas outside BEGIN
        assert driver is not None
        driver.execute("PRAGMA foreign_keys = OFF")
        driver.execute("PRAGMA synchronous = OFF")
        driver.execute("PRAGMA cache_size = -1000000")  # 1 GB: index pages stay in memory
        deferred = driver.execute(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE tbl_name = 'captures' AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        ).fetchall()
        with connection.begin():
            for kind, name, _ in deferred:
                connection.exec_driver_sql(f"DROP {kind.upper()} {name}")
        yield connection
        with connection.begin():
            for _, _, sql in deferred:
                connection.exec_driver_sql(sql)
            recount_sites(connection)


def _captures(
    rng: random.Random, article_id: int, url: str, versions: list[tuple[int, datetime]]
) -> Iterator[tuple[datetime, tuple[Any, ...]]]:
    """One capture per version, then unchanged/304/error revisits up to 10-90 in all."""
    wanted = rng.randint(10, 90)
    revisits = max(0, wanted - len(versions))
    first, last = versions[0][1], versions[-1][1]
    for number, (version_id, at) in enumerate(versions, 1):
        outcome = "new" if number == 1 else "changed"
        yield at, _capture(article_id, url, at, 200, outcome, version_id, None)
    end = last + timedelta(days=90)
    for _ in range(revisits):
        at = first + (end - first) * rng.random()
        roll = rng.random()
        if roll < 0.02:
            yield at, _capture(article_id, url, at, 503, "error", None, "http_503")
        elif roll < 0.6:
            yield at, _capture(article_id, url, at, 304, "not_modified", None, None)
        else:
            yield at, _capture(article_id, url, at, 200, "unchanged", None, None)


CAPTURE_COLUMNS = (
    "article_id, requested_url, final_url, fetched_at, http_status, content_type, outcome, "
    "version_id, error_reason"
)


def _capture(
    article_id: int,
    url: str,
    at: datetime,
    status: int,
    outcome: str,
    version_id: int | None,
    reason: str | None,
) -> tuple[Any, ...]:
    """A capture row as the driver takes it: the time as SQLAlchemy stores a UTC datetime.

    Never redirected, so ``final_url`` is NULL, as ``capture_row`` stores it (schema 0019).
    """
    stored = f"{at:%Y-%m-%d %H:%M:%S.%f}"
    return (article_id, url, None, stored, status, CONTENT_TYPE, outcome, version_id, reason)


def build_archive(archive: Archive, total: int, seed: int = 27) -> Built:
    """Write ``total`` synthetic versions, their articles and captures into an empty archive."""
    rng = random.Random(seed + 1)
    now = datetime.now(UTC)
    with archive.engine.begin() as connection:
        connection.execute(
            insert(Site),
            [
                {"id": i + 1, "host": f"site{i}.example", "name": f"Site {i}", "created_at": now}
                for i in range(SITES)
            ],
        )
    with _loading(archive) as connection:
        return _write_all(_Writer(connection), rng, total, seed)


def _write_all(writer: _Writer, rng: random.Random, total: int, seed: int) -> Built:
    built = Built(0, 0, 0, 0)
    article: dict[str, Any] | None = None
    versions: list[tuple[int, datetime]] = []

    def close_article() -> None:
        if article is None:
            return
        article["version_count"] = len(versions)
        writer.add(Article, article)
        writer.add(
            ArticleAlias,
            {
                "url": article["url"],
                "url_hash": article["url_hash"],
                "article_id": article["id"],
                "first_seen_at": article["first_seen_at"],
            },
        )
        for at, row in _captures(rng, article["id"], article["url"], versions):
            writer.add_capture(row)
            built.captures += 1
            article["last_captured_at"] = max(article["last_captured_at"], at)

    for record in export_records(total, seed):
        if record.version == 1:
            close_article()
            built.articles += 1
            versions = []
            article = {
                "id": built.articles,
                "url": record.url,
                "url_hash": hashlib.sha256(record.url.encode()).hexdigest(),
                "site_id": int(record.site.removeprefix("site").split(".")[0]) + 1,
                "first_seen_at": record.first_seen_at,
                "last_captured_at": record.captured_at,
                "track": True,
            }
        built.versions += 1
        built.text_bytes += len(record.text.encode())
        versions.append((built.versions, record.captured_at))
        row = {
            name: getattr(record, name)
            for name in record.__dataclass_fields__
            if name not in ("url", "site", "first_seen_at", "version")
        }
        row.update(id=built.versions, article_id=built.articles, number=record.version)
        writer.add(Version, row)
    close_article()
    writer.flush()
    return built
