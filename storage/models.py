"""The archive's tables as typed SQLAlchemy models (the schema changes only by migrations)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from storage.timeutil import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime that round-trips through SQLite (which has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        utc = as_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]
Sha256 = Annotated[str, mapped_column(String(64))]
UrlText = Annotated[str, mapped_column(Text())]

# Capture columns NULL on most rows, indexed only where set (migration 0018).
PARTIAL_CAPTURE_INDEXES = (
    "raw_body_sha256",
    "server_body_sha256",
    "version_id",
    "memento_url",
    "crawl_run_id",
)


def _partial_index(table: str, column: str) -> Index:
    """``ix_<table>_<column>`` over the rows where the column is set, on SQLite and PostgreSQL."""
    where = text(f"{column} IS NOT NULL")
    return Index(f"ix_{table}_{column}", column, sqlite_where=where, postgresql_where=where)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Site(Base):
    """A publisher, identified by its host name."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[Timestamp]
    # The site's newest version id when its boilerplate was last learned (storage.boilerplate).
    boilerplate_basis: Mapped[int | None]
    # Kept by database triggers as rows are written (migration 0013, storage/counters.py), so
    # statistics read one row per site instead of counting the archive per view.
    article_count: Mapped[int] = mapped_column(server_default="0")
    version_count: Mapped[int] = mapped_column(server_default="0")
    capture_count: Mapped[int] = mapped_column(server_default="0")
    error_count: Mapped[int] = mapped_column(server_default="0")
    last_capture_at: Mapped[Timestamp | None]


class SiteErrorCount(Base):
    """How many failed captures of a site's articles had each reason (kept by triggers, 0013)."""

    __tablename__ = "site_errors"

    site_id: Mapped[int] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int]


class Article(Base):
    """One news article; its identity is the canonical URL (unique on the URL's sha256)."""

    __tablename__ = "articles"
    __table_args__ = (
        # The listing's order (newest first), overall and per site: a page reads an index.
        Index("ix_articles_first_seen_at_id", "first_seen_at", "id"),
        Index("ix_articles_site_id_first_seen_at", "site_id", "first_seen_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[UrlText]
    url_hash: Mapped[Sha256] = mapped_column(unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    first_seen_at: Mapped[Timestamp]
    last_captured_at: Mapped[Timestamp | None]
    version_count: Mapped[int] = mapped_column(default=0)
    track: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site] = relationship()


class ArticleAlias(Base):
    """Every URL seen for an article (the canonical one included), so any of them finds it."""

    __tablename__ = "article_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[UrlText]
    url_hash: Mapped[Sha256] = mapped_column(unique=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    first_seen_at: Mapped[Timestamp]


class RawBody(Base):
    """A response body stored once, addressed by its sha256, compressed (storage/rawbodies.py)."""

    __tablename__ = "raw_bodies"

    sha256: Mapped[Sha256] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    compression: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[Timestamp]


class CrawlRun(Base):
    """One invocation of a command that fetches, with its counts and how it ended."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    command: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[Timestamp]
    finished_at: Mapped[Timestamp | None]
    status: Mapped[str] = mapped_column(String(32), default="running")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Capture(Base):
    """One fetch attempt, append-only, with its outcome."""

    __tablename__ = "captures"
    __table_args__ = (
        Index("ix_captures_article_id_fetched_at", "article_id", "fetched_at"),
        # Mostly NULL (revisits have no version, body, memento or, imported, no run): only the
        # rows with a value are indexed; every query reading these compares with a value.
        *(_partial_index("captures", column) for column in PARTIAL_CAPTURE_INDEXES),
        # Queries ask only for the errors (the per-site recount): 2 % of a crawl's captures.
        Index(
            "ix_captures_errors",
            "article_id",
            sqlite_where=text("outcome = 'error'"),
            postgresql_where=text("outcome = 'error'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_captures_article_id_fetched_at (article_id first): no index of its own.
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    requested_url: Mapped[UrlText]
    # NULL when the fetch ended where it began (schema 0019) or got no answer: read it as
    # coalesce(final_url, requested_url).
    final_url: Mapped[UrlText | None]
    fetched_at: Mapped[Timestamp] = mapped_column(index=True)
    http_status: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(String(255))
    etag: Mapped[str | None] = mapped_column(String(1024))
    last_modified: Mapped[str | None] = mapped_column(String(255))
    headers: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    raw_body_sha256: Mapped[str | None] = mapped_column(String(64), ForeignKey("raw_bodies.sha256"))
    # A page rendered in a browser (docs/javascript-pages.md): raw_body_sha256 is the rendered
    # DOM, this the body the server sent (the shell); NULL for pages that were not rendered.
    server_body_sha256: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("raw_bodies.sha256")
    )
    outcome: Mapped[str] = mapped_column(String(16))
    error_reason: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text())
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    # Backfilled from a web archive (docs/backfill.md): which archive, and the raw memento URL.
    archive: Mapped[str | None] = mapped_column(String(255))
    memento_url: Mapped[str | None] = mapped_column(Text())
    # The HTTP exchange as sent and received, zlib-compressed JSON (storage/capture_http.py,
    # docs/warc.md); NULL for captures made before revision 0012 and for failed connections.
    http: Mapped[bytes | None] = mapped_column(LargeBinary)


class Version(Base):
    """One distinct extracted content of an article, numbered 1..n without gaps."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    captured_at: Mapped[Timestamp] = mapped_column(index=True)
    last_confirmed_at: Mapped[Timestamp]
    title: Mapped[str | None] = mapped_column(Text())
    authors: Mapped[list[str]] = mapped_column(default=list)
    published_at: Mapped[Timestamp | None]
    modified_at: Mapped[Timestamp | None]
    description: Mapped[str | None] = mapped_column(Text())
    text: Mapped[str] = mapped_column(Text())
    language: Mapped[str | None] = mapped_column(String(32))
    site_name: Mapped[str | None] = mapped_column(String(255))
    top_image: Mapped[str | None] = mapped_column(Text())
    section: Mapped[str | None] = mapped_column(String(255))
    tags: Mapped[list[str]] = mapped_column(default=list)
    paywalled: Mapped[bool | None]
    content_hash: Mapped[Sha256] = mapped_column(index=True)
    extractor: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(String(16), default="capture")
    change: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    # html, jsonld, embedded_data, amp or rendered (docs/javascript-pages.md); NULL: older
    body_source: Mapped[str | None] = mapped_column(String(16))


class FrontierEntry(Base):
    """A URL the archive means to fetch: discovery state, schedule and lease, in the database.

    ``next_fetch_at`` is when it is due (NULL: nothing more to do); a worker leases due rows by
    setting ``lease_owner`` and ``lease_expires_at``, so a killed worker's rows come back once
    the lease expires.
    """

    __tablename__ = "frontier"
    __table_args__ = (
        Index("ix_frontier_due", "scope", "next_fetch_at"),
        Index("ix_frontier_lease_owner", "lease_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[UrlText]
    url_hash: Mapped[Sha256] = mapped_column(unique=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    scope: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    depth: Mapped[int] = mapped_column(default=0)
    discovered_at: Mapped[Timestamp]
    published_at: Mapped[Timestamp | None]
    next_fetch_at: Mapped[Timestamp | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[Timestamp | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_fetched_at: Mapped[Timestamp | None]
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    etag: Mapped[str | None] = mapped_column(String(1024))
    last_modified: Mapped[str | None] = mapped_column(String(255))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    # Why the page was archived as an article (news_sitemap, feed_entry, declared:<type>,
    # body_length): see crawler/discovery/classify.py ``article_reason``.
    kept_because: Mapped[str | None] = mapped_column(String(32))
    # Kind ``memento`` only (migration 0016, storage/backfill_frontier.py): a capture of
    # ``memento_of`` in the web archive ``archive_source``, taken at ``captured_at``.
    memento_of: Mapped[str | None] = mapped_column(Text())
    memento_of_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    captured_at: Mapped[Timestamp | None]
    archive_source: Mapped[str | None] = mapped_column(Text())
    digest: Mapped[str | None] = mapped_column(String(128))


class Lock(Base):
    """A named lock held by one process until it releases it or the lock expires.

    Schedulers take ``schedule:<site>`` locks so that two of them never crawl the same site at
    once; a process killed with kill -9 stops refreshing its lock, which then expires.
    """

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    acquired_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]


class SiteBoilerplate(Base):
    """A paragraph learned to be boilerplate for a site: it recurs in many of its articles.

    Learned from the latest versions of the site's recent articles (storage/boilerplate.py);
    ``article_count`` of the ``articles_examined`` contained it when it was last learned.
    """

    __tablename__ = "site_boilerplate"
    __table_args__ = (UniqueConstraint("site_id", "paragraph_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    paragraph_hash: Mapped[Sha256]
    paragraph: Mapped[str] = mapped_column(Text())
    article_count: Mapped[int]
    articles_examined: Mapped[int]
    first_learned_at: Mapped[Timestamp]
    last_learned_at: Mapped[Timestamp]


class HostPoliteness(Base):
    """When the next request to a host may start, shared by every worker on one database.

    Workers reserve a slot by moving ``next_request_at`` forward under a row lock, so a host's
    delay holds across all of them instead of being multiplied by their number.
    """

    __tablename__ = "host_politeness"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_request_at: Mapped[Timestamp]


class RobotsTxt(Base):
    """A robots.txt as last fetched, so that the next crawl within a day need not fetch it again.

    One row per origin, ``scheme://host[:port]`` as Scrapy spells the URL it fetches robots.txt
    from (see storage/robots_cache.py). ``body`` is what the crawler parsed: the answer read up
    to its cap for 2xx, empty for 4xx (no robots.txt: everything allowed). 5xx answers and
    network failures are never stored: they mean "ask again later". Freshness is decided by
    the reader from ``fetched_at`` (RFC 9309: at most 24 hours), not stored with the row.
    """

    __tablename__ = "robots_txt"

    origin: Mapped[str] = mapped_column(Text(), primary_key=True)
    status: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[Timestamp]


class VersionRenumbering(Base):
    """A backfilled version inserted before existing ones: the later versions moved up by one.

    Versions are numbered in capture-time order (docs/backfill.md); each shift is recorded here
    in the transaction that made it, so no renumbering is silent.
    """

    __tablename__ = "renumberings"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    renumbered_at: Mapped[Timestamp]
    from_number: Mapped[int]  # the first number that moved up (the new version took it)
    shifted: Mapped[int]  # how many versions moved up by one
    capture_id: Mapped[int | None]
    reason: Mapped[str] = mapped_column(String(64))
