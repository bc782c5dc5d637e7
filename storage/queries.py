"""Reading the archive: find an article by any of its URLs, its history, one version.

Plain SQL through storage.reading, so the read-only commands run it on sqlite3 alone and the web
app and the Python API on their session: one definition of each query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.errors import ArticleNotFound, VersionNotFound
from storage.provenance import ArchiveOrigin, archive_origins
from storage.reading import (
    Reads,
    reads_of,
    required_time,
    stored_bool,
    stored_json,
    stored_time,
)
from storage.records import VersionRecord, VersionSummary
from storage.script import count_words
from storage.urls import InvalidURL, canonical_url, url_hash

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Article

_FIND_ARTICLE = (
    "SELECT articles.id, articles.url, articles.version_count FROM articles "
    "JOIN article_aliases ON articles.id = article_aliases.article_id "
    "WHERE article_aliases.url_hash = :url_hash"
)
# Columns read as stored, then the ones that need shaping (times, JSON, booleans).
_AS_STORED = (
    "title",
    "description",
    "text",
    "language",
    "site_name",
    "top_image",
    "section",
    "content_hash",
    "extractor",
    "extractor_version",
    "origin",
    "body_source",
)
_VERSION_COLUMNS = (
    "id",
    "number",
    "captured_at",
    "last_confirmed_at",
    "published_at",
    "modified_at",
    "authors",
    "tags",
    "paywalled",
    "change",
    *_AS_STORED,
)
_VERSIONS = f"SELECT {', '.join(_VERSION_COLUMNS)} FROM versions WHERE article_id = :article_id"


@dataclass(frozen=True)
class ArticleRef:
    """An article as the read queries need it: its id, canonical URL and number of versions."""

    id: int
    url: str
    version_count: int


def locate_article(source: Session | Reads, url: str) -> ArticleRef:
    """The article that ``url`` (canonical or any alias, tracking parameters ignored) belongs to."""
    reads = reads_of(source)
    try:
        canonical = canonical_url(url)
    except InvalidURL:
        raise ArticleNotFound(url) from None
    # The same path over the other scheme is the same article for a person typing a URL.
    other_scheme = (
        "http://" + canonical.removeprefix("https://")
        if canonical.startswith("https://")
        else "https://" + canonical.removeprefix("http://")
    )
    for candidate in (canonical, other_scheme):
        rows = reads.rows(_FIND_ARTICLE, {"url_hash": url_hash(candidate)})
        if rows:
            return ArticleRef(*rows[0])
    raise ArticleNotFound(url)


def find_article(session: Session, url: str) -> Article:
    """The article (the model) that ``url`` belongs to, for callers that go on writing."""
    from storage.models import Article

    article = session.get(Article, locate_article(session, url).id)
    assert article is not None
    return article


def _origin_fields(origin: ArchiveOrigin | None) -> dict[str, Any]:
    return {
        "archive": origin.archive if origin else None,
        "memento_url": origin.memento_url if origin else None,
    }


def _summary(row: dict[str, Any], origin: ArchiveOrigin | None) -> VersionSummary:
    return VersionSummary(
        version=row["number"],
        captured_at=required_time(row["captured_at"]),
        last_confirmed_at=required_time(row["last_confirmed_at"]),
        title=row["title"],
        content_hash=row["content_hash"],
        words=count_words(row["text"]),
        origin=row["origin"],
        extractor_version=row["extractor_version"],
        change=stored_json(row["change"]),
        body_source=row["body_source"],
        **_origin_fields(origin),
    )


def _record(
    article: ArticleRef, row: dict[str, Any], origin: ArchiveOrigin | None
) -> VersionRecord:
    shaped: dict[str, Any] = {
        "captured_at": required_time(row["captured_at"]),
        "last_confirmed_at": required_time(row["last_confirmed_at"]),
        "published_at": stored_time(row["published_at"]),
        "modified_at": stored_time(row["modified_at"]),
        "authors": list(stored_json(row["authors"]) or []),
        "tags": list(stored_json(row["tags"]) or []),
        "paywalled": stored_bool(row["paywalled"]),
        "change": stored_json(row["change"]),
    }
    return VersionRecord(
        url=article.url,
        version=row["number"],
        version_count=article.version_count,
        **shaped,
        **{name: row[name] for name in _AS_STORED},
        **_origin_fields(origin),
    )


def _versions(reads: Reads, condition: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    rows = reads.rows(_VERSIONS + condition, params)
    return [dict(zip(_VERSION_COLUMNS, row, strict=True)) for row in rows]


def history(
    source: Session | Reads, url: str, *, changed_field: str | None = None
) -> list[VersionSummary]:
    """Every version of the article at ``url``, oldest first.

    ``changed_field`` ('headline', 'body', 'byline', 'dates') keeps only versions whose change
    from the previous version touched that field.
    """
    reads = reads_of(source)
    article = locate_article(reads, url)
    rows = _versions(reads, " ORDER BY number", {"article_id": article.id})
    origins = archive_origins(reads, [row["id"] for row in rows])
    summaries = [_summary(row, origins.get(row["id"])) for row in rows]
    if changed_field:
        summaries = [s for s in summaries if s.change and changed_field in s.change["fields"]]
    return summaries


def get_version(
    source: Session | Reads,
    url: str,
    *,
    number: int | None = None,
    at: datetime | None = None,
) -> VersionRecord:
    """One version of the article: by number, as it was at time ``at``, or the latest."""
    reads = reads_of(source)
    article = locate_article(reads, url)
    params: dict[str, Any] = {"article_id": article.id}
    if number is not None:
        if number < 0:
            number = article.version_count + 1 + number
        condition, params["number"] = " AND number = :number", number
    elif at is not None:
        condition, params["at"] = " AND captured_at <= :at ORDER BY number DESC LIMIT 1", at
    else:
        condition, params["number"] = " AND number = :number", article.version_count
    rows = _versions(reads, condition, params)
    if not rows:
        if number is not None:
            raise VersionNotFound(
                f"{article.url} has no version {number} (it has {article.version_count})"
            )
        if at is not None:
            raise VersionNotFound(f"{article.url} had not been archived yet at {at.isoformat()}")
        raise VersionNotFound(f"{article.url} has no archived version yet")
    row = rows[0]
    return _record(article, row, archive_origins(reads, [row["id"]]).get(row["id"]))
