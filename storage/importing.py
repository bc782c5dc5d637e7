"""Restoring exported versions from JSON lines, with their numbers, times and hashes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from storage.bulk_versions import insert_versions
from storage.inserts import insert_missing
from storage.models import Article, ArticleAlias, Site, Version
from storage.records import ExportedVersion, ImportSummary
from storage.timeutil import utcnow
from storage.urls import InvalidURL, canonical_url, url_hash
from storage.validation import InvalidImport, versions_from_jsonl

__all__ = [
    "ImportPlan",
    "InvalidImport",
    "KnownArticle",
    "import_versions",
    "parse_jsonl",
    "plan_import",
    "versions_from_jsonl",
    "write_import",
]


def parse_jsonl(lines: Iterable[bytes | str], *, source: str = "line") -> Iterator[ExportedVersion]:
    """Read versions from JSON lines (as ``write_jsonl`` writes them); blank lines are skipped.

    Strict: raises InvalidImport naming the first line that ``storage.validation`` refuses.
    ``versions_from_jsonl`` skips such lines and reports them instead (what import-jsonl does).
    """
    skipped: list[str] = []
    for record in versions_from_jsonl(lines, skipped, source=source):
        if skipped:
            break
        yield record
    if skipped:
        raise InvalidImport(skipped[0].removesuffix("; skipped"))


@dataclass
class KnownArticle:
    """An article as the batch knows it: its id, version count and last capture time."""

    id: int
    site_id: int
    version_count: int
    last_captured_at: datetime | None
    changed: bool = False


def _lookups(record: ExportedVersion) -> tuple[str, ...]:
    """The URL hashes that find ``record``'s article: its URL, then its canonical form."""
    return _lookups_of_url(record.url)


@lru_cache(maxsize=4096)
def _lookups_of_url(url: str) -> tuple[str, ...]:
    try:
        lookup = canonical_url(url)
    except InvalidURL:
        lookup = url
    return tuple(url_hash(candidate) for candidate in dict.fromkeys((url, lookup)))


def _known_articles(session: Session, digests: list[str]) -> dict[str, KnownArticle]:
    found: dict[str, KnownArticle] = {}
    for start in range(0, len(digests), _IN_BATCH):
        rows = session.execute(
            select(
                ArticleAlias.url_hash,
                Article.id,
                Article.site_id,
                Article.version_count,
                Article.last_captured_at,
            )
            .join(Article, Article.id == ArticleAlias.article_id)
            .where(ArticleAlias.url_hash.in_(digests[start : start + _IN_BATCH]))
        )
        for digest, article_id, site_id, count, last in rows:
            found[digest] = KnownArticle(article_id, site_id, count, last)
    return found


def _site_ids(session: Session, records: list[ExportedVersion]) -> dict[str, int]:
    names = {record.site: record.site_name for record in records}
    insert_missing(
        session,
        Site,
        [{"host": host, "name": name, "created_at": utcnow()} for host, name in names.items()],
    )
    rows = session.execute(select(Site.host, Site.id).where(Site.host.in_(list(names))))
    return {str(host): int(site_id) for host, site_id in rows}


def _create_articles(
    session: Session,
    records: list[ExportedVersion],
    known: dict[str, KnownArticle],
    summary: ImportSummary,
    assign_ids: bool,
) -> None:
    """Create the articles of ``records`` that no alias finds; add them to ``known``.

    ``assign_ids``: their ids are taken in the records' order, and the rows inserted in site
    order, the order in which ``write_import`` takes the sites' counter rows (no deadlock
    with the previous batch's writers).
    """
    new: dict[str, ExportedVersion] = {}
    for record in records:
        if not any(digest in known for digest in _lookups(record)):
            new.setdefault(url_hash(record.url), record)
    if not new:
        return
    sites = _site_ids(session, list(new.values()))
    rows = [
        {
            "url": record.url,
            "url_hash": digest,
            "site_id": sites[record.site],
            "first_seen_at": record.first_seen_at,
            "last_captured_at": None,
            "version_count": 0,
        }
        for digest, record in new.items()
    ]
    if assign_ids:
        for row, new_id in zip(rows, _next_ids(session, "articles", len(rows)), strict=True):
            row["id"] = new_id
        rows.sort(key=lambda row: (row["site_id"], row["id"]))
    insert_missing(session, Article, rows)
    created = {
        str(digest): int(article_id)
        for digest, article_id in session.execute(
            select(Article.url_hash, Article.id).where(Article.url_hash.in_(list(new)))
        )
    }
    insert_missing(
        session,
        ArticleAlias,
        [
            {
                "url": record.url,
                "url_hash": digest,
                "article_id": created[digest],
                "first_seen_at": record.first_seen_at,
            }
            for digest, record in new.items()
        ],
    )
    known.update(_known_articles(session, list(new)))
    summary.articles_created += len(new)


def _overlay(known: dict[str, KnownArticle], pending: ImportPlan) -> None:
    """Give the articles of ``known`` that ``pending`` advances the counts it will write."""
    ahead = {article.id: article for article in pending.articles}
    for found in known.values():
        if (article := ahead.get(found.id)) is not None:
            found.version_count = article.version_count
            found.last_captured_at = article.last_captured_at


def _stored_hashes(session: Session, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """The content hash of each (article id, number) already archived."""
    ids = sorted({article_id for article_id, _ in pairs})
    stored: dict[tuple[int, int], str] = {}
    for start in range(0, len(ids), _IN_BATCH):
        rows = session.execute(
            select(Version.article_id, Version.number, Version.content_hash).where(
                Version.article_id.in_(ids[start : start + _IN_BATCH])
            )
        )
        stored.update({(a, n): h for a, n, h in rows if (a, n) in pairs})
    return stored


@dataclass
class ImportPlan:
    """One batch's new version rows and the articles they advance, ready to be written."""

    summary: ImportSummary
    rows: list[dict[str, Any]]
    articles: list[KnownArticle]


def import_versions(session: Session, versions: Iterable[ExportedVersion]) -> ImportSummary:
    """Restore exported versions, keeping their numbers, times, hashes and change summaries.

    A version already archived under the same number with the same content hash is counted as
    present (re-importing a file is harmless). A version is added only as the article's next
    number; anything else (a gap, or a different content under an existing number) is skipped
    and reported in ``problems``. Captures and raw bodies are not part of a JSONL export.

    Written in bulk: the articles of all ``versions`` are looked up and created in a few
    statements, the new versions inserted with one multi-row statement (PostgreSQL: COPY).
    """
    plan = plan_import(session, versions)
    write_import(session, plan.rows, plan.articles)
    return plan.summary


def plan_import(
    session: Session,
    versions: Iterable[ExportedVersion],
    *,
    assign_ids: bool = False,
    pending: ImportPlan | None = None,
) -> ImportPlan:
    """Create the sites and articles of ``versions`` and work out which versions to add.

    Nothing of the versions is written: ``write_import`` does that, in this transaction or,
    per article, in others. ``assign_ids`` (PostgreSQL) takes the new rows' ids from the
    sequences now, in the batch's order, so that rows written by several connections get the
    ids one connection would have given them. ``pending`` is the previous batch's plan, still
    being written by other connections: its articles' counts and its versions are taken from
    it rather than from the database.
    """
    summary = ImportSummary()
    records = list(versions)
    if session.get_bind().dialect.name == "sqlite":
        # The search index and the versions' indexes are written page by page: with SQLite's
        # default 2 MB cache each batch re-reads them from the file. Per connection, no
        # effect on durability.
        session.execute(text(f"PRAGMA cache_size = -{BULK_CACHE_KIB}"))
    known = _known_articles(session, [d for r in records for d in _lookups(r)])
    if pending is not None:
        _overlay(known, pending)
    _create_articles(session, records, known, summary, assign_ids)
    # One object per article, however many of its URLs found it: the batch updates it in place.
    by_id: dict[int, KnownArticle] = {}
    for digest, found in known.items():
        known[digest] = by_id.setdefault(found.id, found)
    articles = [next(known[d] for d in _lookups(r) if d in known) for r in records]
    pairs = {
        (a.id, r.version)
        for r, a in zip(records, articles, strict=True)
        if r.version <= a.version_count
    }
    stored = _stored_hashes(session, pairs)
    if pending is not None:
        for row in pending.rows:
            if (row["article_id"], row["number"]) in pairs:
                stored[row["article_id"], row["number"]] = row["content_hash"]
    rows: list[dict[str, Any]] = []
    for record, article in zip(records, articles, strict=True):
        if record.version <= article.version_count:
            existing = stored.get((article.id, record.version))
            if existing is None:  # added earlier in this batch
                existing = next(
                    (
                        row["content_hash"]
                        for row in rows
                        if row["article_id"] == article.id and row["number"] == record.version
                    ),
                    None,
                )
            if existing == record.content_hash:
                summary.versions_present += 1
            else:
                summary.problems.append(
                    f"{record.url} v{record.version}: the archive holds different content "
                    "under this number; skipped"
                )
            continue
        if record.version != article.version_count + 1:
            summary.problems.append(
                f"{record.url} v{record.version}: expected v{article.version_count + 1} next "
                "(versions must arrive in order, without gaps); skipped"
            )
            continue
        rows.append(
            {
                "article_id": article.id,
                "number": record.version,
                **{name: getattr(record, name) for name in _VERSION_FIELDS},
            }
        )
        article.version_count = record.version
        latest = max(record.captured_at, record.last_confirmed_at)
        if article.last_captured_at is None or article.last_captured_at < latest:
            article.last_captured_at = latest
        article.changed = True
        summary.versions_imported += 1
    if assign_ids and rows:
        for row, new_id in zip(rows, _next_ids(session, "versions", len(rows)), strict=True):
            row["id"] = new_id
    changed = list({a.id: a for a in articles if a.changed}.values())
    return ImportPlan(summary, rows, changed)


def write_import(
    session: Session, rows: Sequence[dict[str, Any]], articles: Sequence[KnownArticle]
) -> None:
    """Insert a plan's version rows (or a share of them) and advance their articles.

    The articles last, in site order: their update is what takes the sites' counter rows (the
    counters' triggers), so concurrent writers hold those locks only until they commit, and
    take them in one order (no deadlock).
    """
    if rows:  # Core, all columns in every row: one executemany (the ORM splits on NULLs)
        insert_versions(session, rows)
    if articles:
        session.execute(
            update(Article),
            [
                {
                    "id": a.id,
                    "version_count": a.version_count,
                    "last_captured_at": a.last_captured_at,
                }
                for a in sorted(articles, key=lambda a: (a.site_id, a.id))
            ],
        )


def _next_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` new ids from ``table``'s id sequence (PostgreSQL), in order."""
    return [
        int(new_id)
        for new_id in session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count) ORDER BY 1"
            ),
            {"table": table, "count": count},
        )
    ]


_IN_BATCH = 500  # values per IN (...) list
BULK_CACHE_KIB = 256 * 1024
_VERSION_FIELDS = [
    name
    for name in (f.name for f in dataclasses.fields(ExportedVersion))
    if name not in ("url", "site", "first_seen_at", "version")
]
