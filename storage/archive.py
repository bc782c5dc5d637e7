"""Recording captures: a fetch's capture row, and its version when ``decide_version`` says new."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.articles import (
    article_for_urls,
    canonical_or_none,
    get_or_create_article,
    latest_version,
    lock_article,
)
from storage.capture_http import encode_http
from storage.changes import PreviousContent, summarise_change
from storage.content import ArticleContent
from storage.inserts import table_of
from storage.kinds import CaptureReason
from storage.models import Article, Capture, Version
from storage.prepared import Prepared
from storage.rawbodies import store_raw_body, stored_digest
from storage.rebase import Reread, decide_like_with_like
from storage.records import CaptureFailure, CaptureOutcome, CaptureResult, FetchedPage
from storage.row_updates import update_columns
from storage.urls import canonical_url, host_of, strip_credentials
from storage.version_rows import (
    insert_version,
    latest_content,
    version_from_content,
)
from storage.versioning import NewContent, VersionOutcome, decide_version

log = logging.getLogger(__name__)

KEPT_HEADERS = ("content-type", "etag", "last-modified", "content-language", "date", "location")


def _same_site(a: str, b: str) -> bool:
    return host_of(a).removeprefix("www.") == host_of(b).removeprefix("www.")


def article_url_for(page: FetchedPage, declared_canonical: str | None) -> str:
    """The article's canonical URL: a same-site declared canonical, else the final URL."""
    fetched = canonical_or_none(page.final_url) or canonical_url(page.requested_url)
    declared = canonical_or_none(declared_canonical)
    if declared and _same_site(declared, fetched):
        return declared
    return fetched


_INSERT_CAPTURE = Prepared(insert(table_of(Capture)).returning(table_of(Capture).c.id))


def final_url_of(page: FetchedPage) -> str | None:
    """The URL the fetch ended at, without credentials; None when no answer came."""
    return strip_credentials(page.final_url) if page.final_url else None


def capture_row(
    page: FetchedPage,
    outcome: CaptureOutcome,
    *,
    article_id: int | None,
    crawl_run_id: int | None,
    body_digest: str | None = None,
    failure: CaptureFailure | None = None,
    version_id: int | None = None,
    server_digest: str | None = None,
) -> dict[str, Any]:
    """The column values of the capture row recording ``page``."""
    requested, final = strip_credentials(page.requested_url), final_url_of(page)
    row: dict[str, Any] = {
        "article_id": article_id,
        "crawl_run_id": crawl_run_id,
        "requested_url": requested,
        # Stored only when a redirect changed it (schema 0019): most fetches end where they
        # began, and the URL twice cost ~1 KiB per version. Readers coalesce the two.
        "final_url": None if final == requested else final,
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
        "http": encode_http(page.http) if page.http is not None else None,
    }
    if server_digest is not None:  # only rendered pages: the column is since schema 0015
        row["server_body_sha256"] = server_digest
    return row


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
    version_count: int | None = None,
) -> _Recorded:
    if keep_body and page.body:
        body_digest: str | None = store_raw_body(session, page.body, page.body_sha256())
    else:
        # A body identical to one stored already costs nothing to point at (a WARC revisit).
        body_digest = stored_digest(session, page.http.payload_sha256) if page.http else None
    # A rendered page's server response (a shell, small and mostly identical) is always kept.
    server_digest = store_raw_body(session, page.server_body) if page.server_body else None
    row = capture_row(
        page,
        outcome,
        article_id=article.id if article else None,
        crawl_run_id=crawl_run_id,
        body_digest=body_digest,
        failure=failure,
        version_id=version.id if version else None,
        server_digest=server_digest,
    )
    # A plain INSERT: a capture is never changed after, so the unit of work has nothing to do.
    capture_id = int(_INSERT_CAPTURE.scalar(session, row))
    if article is not None:
        changes: dict[str, Any] = {"last_captured_at": page.fetched_at}
        if version_count is not None:
            changes["version_count"] = version_count
        update_columns(session, article, changes)
    return _Recorded(capture_id, outcome, final_url_of(page))


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
        published_at=version.published_at if version else None,
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
    article = article_for_urls(session, [c for c in map(canonical_or_none, known) if c])
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
    known = [c for c in map(canonical_or_none, (page.requested_url, page.final_url)) if c]
    article = article_for_urls(session, known)
    if article is None:
        failure = CaptureFailure(
            CaptureReason.UNEXPECTED_304, "304 Not Modified for a URL never archived"
        )
        return record_failure(session, page, failure, crawl_run_id=crawl_run_id)
    latest = latest_version(session, article)
    if latest is not None:
        update_columns(session, latest, {"last_confirmed_at": page.fetched_at})
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
    reread: Reread | None = None,
) -> CaptureResult:
    """Record a successful fetch and extraction, making a new version only if the content changed.

    With ``reread``, a latest version made by another extractor version is compared like with
    like: its raw body re-read by the current extractor (storage.rebase).

    Same normalised content as the latest version: outcome ``unchanged`` (the version's
    last-confirmed time moves). Different: a new version numbered after the latest. No text,
    or a text that collapsed to a fraction of the latest version, is an error capture instead.
    """
    canonical = article_url_for(page, content.canonical_url)
    article = lock_article(
        session, get_or_create_article(session, page, canonical, content.site_name)
    )
    if not track:
        article.track = False
    latest = latest_version(session, article)
    new = NewContent.of(content)
    decision = decide_version(latest_content(latest), new)
    decision = decide_like_with_like(session, latest, content, new, decision, reread)
    if decision.outcome is VersionOutcome.EMPTY:
        failure = CaptureFailure(CaptureReason.NO_ARTICLE_TEXT, "the page has no article text")
        return record_failure(session, page, failure, crawl_run_id=crawl_run_id)
    if decision.outcome is VersionOutcome.COLLAPSED:
        failure = CaptureFailure(
            CaptureReason.COLLAPSED_EXTRACTION,
            f"extracted text shrank from {decision.latest_chars} to {decision.new_chars} "
            "characters; kept the previous version",
        )
        return record_failure(session, page, failure, crawl_run_id=crawl_run_id)
    if decision.outcome is VersionOutcome.UNCHANGED:
        assert latest is not None
        update_columns(session, latest, {"last_confirmed_at": page.fetched_at})
        outcome: CaptureOutcome = "unchanged"
        version, keep_body, count = latest, keep_unchanged_body, None
    else:
        version = _new_version(session, article, latest, content, new.content_hash, page)
        outcome = "new" if version.number == 1 else "changed"
        keep_body, count = True, version.number
    capture = _capture(
        session,
        page,
        outcome,
        article=article,
        keep_body=keep_body,
        crawl_run_id=crawl_run_id,
        version=version,
        version_count=count,
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
    """Write the version after ``latest``, with a summary of the change from it."""
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
    # The article's version count follows with its capture (``_capture``), in one UPDATE.
    insert_version(session, version)
    return version
