"""Recording captures: the one place where versions are decided and written."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.orm import Session

from storage.changes import PreviousContent, summarise_change
from storage.content import ArticleContent, content_hash, normalise_text
from storage.inserts import insert_missing, table_of
from storage.models import Article, ArticleAlias, Capture, Site, Version
from storage.rawbodies import store_raw_body
from storage.records import CaptureFailure, CaptureOutcome, CaptureResult, FetchedPage
from storage.timeutil import utcnow
from storage.urls import InvalidURL, canonical_url, host_of, strip_credentials, url_hash

log = logging.getLogger(__name__)

# A new extraction shorter than this share of the last version's text is a collapse (error
# page, paywall stub, broken layout), not an edit; it never replaces the good version.
COLLAPSE_RATIO = 0.3
COLLAPSE_MIN_CHARS = 400
KEPT_HEADERS = ("content-type", "etag", "last-modified", "content-language", "date", "location")


def _canonical_or_none(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonical_url(url)
    except InvalidURL:
        return None


def _same_site(a: str, b: str) -> bool:
    return host_of(a).removeprefix("www.") == host_of(b).removeprefix("www.")


def article_url_for(page: FetchedPage, declared_canonical: str | None) -> str:
    """The article's canonical URL: a same-site declared canonical, else the final URL."""
    fetched = _canonical_or_none(page.final_url) or canonical_url(page.requested_url)
    declared = _canonical_or_none(declared_canonical)
    if declared and _same_site(declared, fetched):
        return declared
    return fetched


# Statements run for every page are built once: building one and computing its cache key
# cost more than the SQL itself. Values go in as parameters.
_ARTICLE_BY_ALIAS = (
    select(ArticleAlias.url_hash, Article)
    .join(Article, Article.id == ArticleAlias.article_id)
    .where(ArticleAlias.url_hash.in_(bindparam("digests", expanding=True)))
)
_SITE_BY_HOST = select(Site.id, Site.name).where(Site.host == bindparam("host"))
_SITE_ID_BY_HOST = select(Site.id).where(Site.host == bindparam("host"))
_ARTICLE_BY_HASH = select(Article).where(Article.url_hash == bindparam("url_hash"))
_LATEST_VERSION = select(Version).where(
    Version.article_id == bindparam("article_id"), Version.number == bindparam("number")
)
_INSERT_CAPTURE = insert(table_of(Capture)).returning(table_of(Capture).c.id)
_INSERT_VERSION = insert(table_of(Version)).returning(table_of(Version).c.id)


def _find_article(session: Session, urls: list[str]) -> Article | None:
    """The article any of ``urls`` belongs to, preferring the earliest URL in the list."""
    digests = [url_hash(url) for url in dict.fromkeys(urls)]
    if not digests:
        return None
    rows = session.execute(_ARTICLE_BY_ALIAS, {"digests": digests}).all()
    found = {row[0]: row[1] for row in rows}
    return next((found[d] for d in digests if d in found), None)


def _site_id(session: Session, url: str, site_name: str | None) -> int:
    """The id of the site ``url`` belongs to, creating the site on first sight."""
    host = host_of(url)
    found = session.execute(_SITE_BY_HOST, {"host": host}).first()
    if found is None:
        insert_missing(session, Site, [{"host": host, "name": site_name, "created_at": utcnow()}])
        return int(session.execute(_SITE_ID_BY_HOST, {"host": host}).scalar_one())
    if site_name and not found.name:
        session.execute(update(Site).where(Site.id == found.id).values(name=site_name))
    return int(found.id)


def _add_aliases(session: Session, article_id: int, urls: list[str]) -> None:
    """Point every URL in ``urls`` at the article; a URL some article claimed already stays."""
    now = utcnow()
    rows = [
        {"url": url, "url_hash": url_hash(url), "article_id": article_id, "first_seen_at": now}
        for url in dict.fromkeys(urls)
    ]
    insert_missing(session, ArticleAlias, rows)


def _get_or_create_article(
    session: Session, page: FetchedPage, canonical: str, site_name: str | None
) -> Article:
    seen = [canonical]
    for url in (page.final_url, page.requested_url, *page.redirect_urls):
        normalised = _canonical_or_none(url)
        if normalised and normalised not in seen:
            seen.append(normalised)
    article = _find_article(session, seen)
    if article is None:
        row = {
            "url": canonical,
            "url_hash": url_hash(canonical),
            "site_id": _site_id(session, canonical, site_name),
            "first_seen_at": page.fetched_at,
            "version_count": 0,
            "track": True,
        }
        # A concurrent writer may have created it meanwhile: then this inserts nothing and
        # the article found is theirs.
        insert_missing(session, Article, [row])
        article = session.scalars(_ARTICLE_BY_HASH, {"url_hash": row["url_hash"]}).one()
    _add_aliases(session, article.id, seen)
    return article


def _lock(session: Session, article: Article) -> Article:
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


def _latest_version(session: Session, article: Article) -> Version | None:
    if article.version_count == 0:
        return None
    return session.scalars(
        _LATEST_VERSION, {"article_id": article.id, "number": article.version_count}
    ).one()


def capture_row(
    page: FetchedPage,
    outcome: CaptureOutcome,
    *,
    article_id: int | None,
    crawl_run_id: int | None,
    body_digest: str | None = None,
    failure: CaptureFailure | None = None,
    version_id: int | None = None,
) -> dict[str, Any]:
    """The column values of the capture row recording ``page``."""
    return {
        "article_id": article_id,
        "crawl_run_id": crawl_run_id,
        "requested_url": strip_credentials(page.requested_url),
        "final_url": strip_credentials(page.final_url) if page.final_url else None,
        "fetched_at": page.fetched_at,
        "http_status": page.http_status,
        "content_type": (page.header("content-type") or "")[:255] or None,
        "etag": (page.header("etag") or "")[:1024] or None,
        "last_modified": (page.header("last-modified") or "")[:255] or None,
        "headers": {name: page.headers[name] for name in KEPT_HEADERS if name in page.headers},
        "raw_body_sha256": body_digest,
        "outcome": outcome,
        "error_reason": failure.reason if failure else None,
        "error_detail": failure.message if failure else None,
        "version_id": version_id,
    }


def _capture(
    session: Session,
    page: FetchedPage,
    outcome: CaptureOutcome,
    *,
    article: Article | None,
    keep_body: bool,
    crawl_run_id: int | None,
    failure: CaptureFailure | None = None,
    version: Version | None = None,
) -> _Recorded:
    body_digest = store_raw_body(session, page.body) if keep_body and page.body else None
    row = capture_row(
        page,
        outcome,
        article_id=article.id if article else None,
        crawl_run_id=crawl_run_id,
        body_digest=body_digest,
        failure=failure,
        version_id=version.id if version else None,
    )
    # A plain INSERT: a capture is never changed after, so the unit of work has nothing to do.
    capture_id = session.execute(_INSERT_CAPTURE, row).scalar_one()
    if article is not None:
        article.last_captured_at = page.fetched_at
    return _Recorded(capture_id, outcome, row["final_url"])


@dataclass(frozen=True)
class _Recorded:
    """What the result of a recorded capture needs to know about its row."""

    id: int
    outcome: CaptureOutcome
    final_url: str | None


def _result(
    capture: _Recorded,
    page: FetchedPage,
    url: str,
    article: Article | None,
    version: Version | None,
    failure: CaptureFailure | None = None,
) -> CaptureResult:
    return CaptureResult(
        url=url,
        requested_url=strip_credentials(page.requested_url),
        final_url=capture.final_url,
        status=capture.outcome,
        capture_id=capture.id,
        article_id=article.id if article else None,
        version=version.number if version else None,
        title=version.title if version else None,
        error_reason=failure.reason if failure else None,
        error=failure.message if failure else None,
    )


def record_failure(
    session: Session,
    page: FetchedPage,
    failure: CaptureFailure,
    *,
    crawl_run_id: int | None = None,
) -> CaptureResult:
    """Record a fetch or extraction that produced no version; archived versions stay as they are."""
    known = [u for u in (page.final_url, page.requested_url) if u]
    article = _find_article(session, [c for c in map(_canonical_or_none, known) if c])
    capture = _capture(
        session,
        page,
        "error",
        article=article,
        keep_body=True,
        crawl_run_id=crawl_run_id,
        failure=failure,
    )
    url = article.url if article else strip_credentials(page.requested_url)
    return _result(capture, page, url, article, None, failure)


def record_not_modified(
    session: Session, page: FetchedPage, *, crawl_run_id: int | None = None
) -> CaptureResult:
    """Record a 304 answer: the latest version is confirmed, nothing is extracted or stored."""
    known = [c for c in map(_canonical_or_none, (page.requested_url, page.final_url)) if c]
    article = _find_article(session, known)
    if article is None:
        failure = CaptureFailure("unexpected_304", "304 Not Modified for a URL never archived")
        return record_failure(session, page, failure, crawl_run_id=crawl_run_id)
    latest = _latest_version(session, article)
    if latest is not None:
        latest.last_confirmed_at = page.fetched_at
    capture = _capture(
        session,
        page,
        "not_modified",
        article=article,
        keep_body=False,
        crawl_run_id=crawl_run_id,
        version=latest,
    )
    return _result(capture, page, article.url, article, latest)


def record_capture(
    session: Session,
    page: FetchedPage,
    content: ArticleContent,
    *,
    crawl_run_id: int | None = None,
    track: bool = True,
    keep_unchanged_body: bool = False,
) -> CaptureResult:
    """Record a successful fetch and extraction, making a new version only if the content changed.

    Same normalised content as the latest version: outcome ``unchanged`` (the version's
    last-confirmed time moves). Different: a new version numbered after the latest. A text that
    collapsed to a fraction of the latest version is recorded as an error capture instead.
    """
    canonical = article_url_for(page, content.canonical_url)
    article = _lock(session, _get_or_create_article(session, page, canonical, content.site_name))
    if not track:
        article.track = False
    # Set before the first flush below, so it goes out in the same UPDATE as the version count.
    article.last_captured_at = page.fetched_at
    latest = _latest_version(session, article)
    text = normalise_text(content.text)
    digest = content_hash(content, normalised_text=text)
    if not text:
        failure = CaptureFailure("no_article_text", "the page has no article text")
        return record_failure(session, page, failure, crawl_run_id=crawl_run_id)
    if latest is not None and digest == latest.content_hash:
        latest.last_confirmed_at = page.fetched_at
        capture = _capture(
            session,
            page,
            "unchanged",
            article=article,
            keep_body=keep_unchanged_body,
            crawl_run_id=crawl_run_id,
            version=latest,
        )
        return _result(capture, page, article.url, article, latest)
    if (
        latest is not None
        and len(latest.text) >= COLLAPSE_MIN_CHARS
        and len(text) < COLLAPSE_RATIO * len(latest.text)
    ):
        failure = CaptureFailure(
            "collapsed_extraction",
            f"extracted text shrank from {len(latest.text)} to {len(text)} characters; "
            "kept the previous version",
        )
        return record_failure(session, page, failure, crawl_run_id=crawl_run_id)
    version = _new_version(session, article, latest, content, digest, page)
    capture = _capture(
        session,
        page,
        "new" if version.number == 1 else "changed",
        article=article,
        keep_body=True,
        crawl_run_id=crawl_run_id,
        version=version,
    )
    return _result(capture, page, article.url, article, version)


def _new_version(
    session: Session,
    article: Article,
    latest: Version | None,
    content: ArticleContent,
    digest: str,
    page: FetchedPage,
) -> Version:
    change = None
    if latest is not None:
        earlier = session.scalar(
            select(Version.number)
            .where(Version.article_id == article.id, Version.content_hash == digest)
            .order_by(Version.number.desc())
            .limit(1)
        )
        previous = PreviousContent(
            title=latest.title,
            authors=list(latest.authors),
            text=latest.text,
            published_at=latest.published_at,
            modified_at=latest.modified_at,
        )
        change = summarise_change(previous, content, earlier).as_json()
    number = article.version_count + 1
    version = version_from_content(
        content,
        article_id=article.id,
        number=number,
        digest=digest,
        captured_at=page.fetched_at,
        last_confirmed_at=page.fetched_at,
        origin="capture",
        change=change,
    )
    article.version_count = number
    # A plain INSERT (the row is never updated in this transaction): the unit of work's
    # bookkeeping for one new object costs more than the statement itself.
    values = {column.key: getattr(version, column.key) for column in _VERSION_COLUMNS}
    version.id = session.execute(_INSERT_VERSION, values).scalar_one()
    return version


_VERSION_COLUMNS = tuple(attr for attr in inspect(Version).column_attrs if attr.key != "id")


def version_from_content(
    content: ArticleContent,
    *,
    article_id: int,
    number: int,
    digest: str,
    captured_at: datetime,
    last_confirmed_at: datetime,
    origin: str,
    change: dict[str, Any] | None,
) -> Version:
    """A version row holding ``content`` (not added to the session)."""
    return Version(
        article_id=article_id,
        number=number,
        captured_at=captured_at,
        last_confirmed_at=last_confirmed_at,
        title=content.title,
        authors=list(content.authors),
        published_at=content.published_at,
        modified_at=content.modified_at,
        description=content.description,
        text=content.text,
        language=content.language,
        site_name=content.site_name,
        top_image=content.top_image,
        section=content.section,
        tags=list(content.tags),
        paywalled=content.paywalled,
        content_hash=digest,
        extractor=content.extractor,
        extractor_version=content.extractor_version,
        origin=origin,
        change=change,
    )
