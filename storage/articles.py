"""Which article a fetched page belongs to: found by any of its URLs, or created."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from storage.inserts import insert_missing, insert_new, table_of
from storage.models import Article, ArticleAlias, Site, Version
from storage.prepared import Prepared
from storage.records import FetchedPage
from storage.timeutil import utcnow
from storage.urls import InvalidURL, canonical_url, host_of, url_hash

RowT = TypeVar("RowT", bound=DeclarativeBase)


def canonical_or_none(url: str | None) -> str | None:
    """``url`` in canonical form; None for no URL or one that is not a usable URL."""
    if not url:
        return None
    try:
        return canonical_url(url)
    except InvalidURL:
        return None


# Statements run for every page are built once: building one and computing its cache key
# cost more than the SQL itself. Values go in as parameters.
_ARTICLES = table_of(Article)
_ALIASES = table_of(ArticleAlias)
_VERSIONS = table_of(Version)
_SITES = table_of(Site)
_SITE_BY_HOST = Prepared(
    select(_SITES.c.id, _SITES.c.name).where(_SITES.c.host == bindparam("host"))
)
_NAME_SITE = Prepared(
    update(_SITES).where(_SITES.c.id == bindparam("b_id")).values(name=bindparam("b_name"))
)
_ARTICLE_BY_HASH = select(Article).where(Article.url_hash == bindparam("url_hash"))
_LATEST_VERSION = Prepared(
    select(*_VERSIONS.c).where(
        _VERSIONS.c.article_id == bindparam("article_id"),
        _VERSIONS.c.number == bindparam("number"),
    )
)


@cache
def _by_aliases(count: int) -> Prepared:
    """The article of each of ``count`` URL digests that has one, with the digest."""
    digests = [bindparam(f"d{n}", type_=_ALIASES.c.url_hash.type) for n in range(count)]
    return Prepared(
        select(_ALIASES.c.url_hash, *_ARTICLES.c)
        .join(_ARTICLES, _ARTICLES.c.id == _ALIASES.c.article_id)
        .where(_ALIASES.c.url_hash.in_(digests))
    )


def _aliased(session: Session, digests: list[str]) -> Article | None:
    """The article of the earliest of ``digests`` (of URLs) that has one."""
    if not digests:
        return None
    rows = _by_aliases(len(digests)).rows(session, {f"d{n}": d for n, d in enumerate(digests)})
    found = {row[0]: row[1:] for row in rows}
    first = next((found[d] for d in digests if d in found), None)
    return None if first is None else _loaded(session, Article, first)


def article_for_urls(session: Session, urls: list[str]) -> Article | None:
    """The article any of ``urls`` belongs to, preferring the earliest URL in the list."""
    return _aliased(session, [url_hash(url) for url in dict.fromkeys(urls)])


def _site_id(session: Session, url: str, site_name: str | None) -> int:
    """The id of the site ``url`` belongs to, creating the site on first sight."""
    host = host_of(url)
    found = _SITE_BY_HOST.rows(session, {"host": host})
    if not found:
        row = {"host": host, "name": site_name, "created_at": utcnow()}
        made = insert_new(session, _SITES, row)
        if made is not None:
            return int(made)
        # A concurrent writer created it meanwhile: its row, read like any known site.
        found = _SITE_BY_HOST.rows(session, {"host": host})
    [(site_id, name)] = found
    if site_name and not name:
        _NAME_SITE.count(session, {"b_id": site_id, "b_name": site_name})
    return int(site_id)


def _add_aliases(session: Session, article_id: int, urls: dict[str, str]) -> None:
    """Point every URL in ``urls`` (by digest) at the article; a URL some article claimed
    already stays.

    URLs known already are not left out: on PostgreSQL each row skipped by ON CONFLICT still
    takes a number of the aliases' id sequence, and the ids stored must stay as they were.
    """
    now = utcnow()
    rows = [
        {"url": url, "url_hash": digest, "article_id": article_id, "first_seen_at": now}
        for digest, url in urls.items()
    ]
    insert_missing(session, ArticleAlias, rows)


def get_or_create_article(
    session: Session, page: FetchedPage, canonical: str, site_name: str | None
) -> Article:
    """The article of ``page`` (any of its URLs), created under ``canonical`` on first sight."""
    seen = [canonical]
    for url in (page.final_url, page.requested_url, *page.redirect_urls):
        normalised = canonical_or_none(url)
        if normalised and normalised not in seen:
            seen.append(normalised)
    digests = {url_hash(url): url for url in seen}
    article = _aliased(session, list(digests))
    if article is None:
        row = {
            "url": canonical,
            "url_hash": next(iter(digests)),
            "site_id": _site_id(session, canonical, site_name),
            "first_seen_at": page.fetched_at,
            "version_count": 0,
            "track": True,
        }
        made = insert_new(session, table_of(Article), row)
        if made is None:
            # A concurrent writer created it meanwhile: then the article found is theirs.
            article = session.scalars(_ARTICLE_BY_HASH, {"url_hash": row["url_hash"]}).one()
        else:
            article = _known(session, Article(id=made, last_captured_at=None, **row))
    _add_aliases(session, article.id, digests)
    session.info[_HELD_ARTICLE] = article
    return article


# The session's identity map holds its objects weakly: without this reference the article of a
# capture is dropped when recording it returns, and scheduling its revisit right after, in the
# same transaction, reads the row again (one SELECT per page). One article at a time is held.
_HELD_ARTICLE = "newsarchive.held_article"


def _known(session: Session, row: RowT) -> RowT:
    """``row``, a mapped object with every column given as stored, in the session without
    reading it again."""
    make_transient_to_detached(row)
    session.add(row)
    return row


def _loaded(session: Session, model: type[RowT], values: tuple[Any, ...]) -> RowT:
    """The object of a row just read (every column of ``model``'s table, in order): the
    session's copy when it holds one, as an ORM query would give, else one made from it."""
    held = session.identity_map.get(identity_key(model, values[0]))
    if held is not None:
        found: RowT = held
        return found
    columns = table_of(model).c.keys()
    return _known(session, model(**dict(zip(columns, values, strict=True))))


def lock_article(session: Session, article: Article) -> Article:
    """Re-read the article under a row lock (PostgreSQL); SQLite holds the write lock already.

    populate_existing: the article is already in the session, read before the lock was granted;
    without it the ORM keeps that stale version_count and a concurrent writer's number is reused.
    """
    if session.get_bind().dialect.name == "sqlite":
        return article  # BEGIN IMMEDIATE: this transaction is the only writer
    return session.scalars(
        select(Article)
        .where(Article.id == article.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def latest_version(session: Session, article: Article) -> Version | None:
    """The article's latest version (None before the first)."""
    if article.version_count == 0:
        return None
    [row] = _LATEST_VERSION.rows(
        session, {"article_id": article.id, "number": article.version_count}
    )
    return _loaded(session, Version, row)
