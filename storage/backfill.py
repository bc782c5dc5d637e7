"""Recording captures backfilled from a web archive, each in its place in capture-time order.

A backfilled capture carries its ORIGINAL capture time, which may be older than versions the
archive already holds. Versions are numbered in capture-time order (docs/backfill.md), so the
capture is compared with the version in force at its time (``previous``), not the latest:

- the same content as ``previous``: an ``unchanged`` capture confirming it;
- the same content as the version after it (``following``): that version was already there
  earlier than we knew, so its ``captured_at`` moves back to the capture's time;
- no text, or a collapse (error page, paywall stub) against either neighbour: an error capture,
  archived versions untouched;
- anything else: a new version with ``origin='backfill'`` inserted after ``previous``; the
  versions after it move up by one in the same transaction, recorded in
  ``renumberings``, and ``following``'s change summary is recomputed against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.archive import article_url_for, capture_row, final_url_of
from storage.articles import article_for_urls, get_or_create_article, lock_article
from storage.content import ArticleContent
from storage.inserts import table_of
from storage.kinds import CaptureReason
from storage.models import Article, Capture, Version
from storage.rawbodies import store_raw_body
from storage.records import CaptureFailure, CaptureOutcome, CaptureResult, FetchedPage
from storage.urls import canonical_url, strip_credentials
from storage.version_order import BACKFILL_ORIGIN, insert_in_order, record_renumbering
from storage.version_rows import latest_content
from storage.versioning import NewContent, VersionOutcome, decide_version

__all__ = [
    "BACKFILL_ORIGIN",
    "ArchivedCapture",
    "record_backfill_failure",
    "record_backfilled_capture",
    "recorded_mementos",
]

_INSERT_CAPTURE = insert(table_of(Capture)).returning(table_of(Capture).c.id)


@dataclass(frozen=True)
class ArchivedCapture:
    """One capture fetched from a web archive: what was served then, and where it came from.

    ``page.requested_url`` and ``page.final_url`` are the ORIGINAL URL (never the archive's),
    ``page.fetched_at`` the archive's capture time.
    """

    page: FetchedPage
    archive: str
    memento_url: str


def recorded_mementos(session: Session, memento_urls: list[str]) -> set[str]:
    """Which of ``memento_urls`` are recorded already (a rerun skips them)."""
    found: set[str] = set()
    for start in range(0, len(memento_urls), 500):
        chunk = memento_urls[start : start + 500]
        found.update(
            session.scalars(select(Capture.memento_url).where(Capture.memento_url.in_(chunk)))
        )
    return found


def _article(session: Session, capture: ArchivedCapture, site_name: str | None) -> Article:
    """The article of the URL backfilled (either scheme), created on first sight."""
    canonical = canonical_url(capture.page.requested_url)
    other = (
        "http://" + canonical.removeprefix("https://")
        if canonical.startswith("https://")
        else "https://" + canonical.removeprefix("http://")
    )
    article = article_for_urls(session, [canonical, other])
    if article is None:
        article = get_or_create_article(session, capture.page, canonical, site_name)
    return lock_article(session, article)


def _insert_capture(
    session: Session,
    capture: ArchivedCapture,
    outcome: CaptureOutcome,
    article: Article | None,
    *,
    crawl_run_id: int | None,
    failure: CaptureFailure | None = None,
    version: Version | None = None,
) -> CaptureResult:
    page = capture.page
    digest = store_raw_body(session, page.body) if page.body else None
    row = capture_row(
        page,
        outcome,
        article_id=article.id if article else None,
        crawl_run_id=crawl_run_id,
        body_digest=digest,
        failure=failure,
        version_id=version.id if version else None,
    )
    row["archive"] = capture.archive[:255]
    row["memento_url"] = strip_credentials(capture.memento_url)
    capture_id = session.execute(_INSERT_CAPTURE, row).scalar_one()
    if article is not None and (
        article.last_captured_at is None or article.last_captured_at < page.fetched_at
    ):
        article.last_captured_at = page.fetched_at
    return CaptureResult(
        url=article.url if article else strip_credentials(page.requested_url),
        requested_url=strip_credentials(page.requested_url),
        final_url=final_url_of(page),
        status=outcome,
        capture_id=capture_id,
        article_id=article.id if article else None,
        version=version.number if version else None,
        title=version.title if version else None,
        error_reason=failure.reason if failure else None,
        error=failure.message if failure else None,
        published_at=version.published_at if version else None,
    )


def record_backfill_failure(
    session: Session,
    capture: ArchivedCapture,
    failure: CaptureFailure,
    *,
    crawl_run_id: int | None = None,
) -> CaptureResult:
    """Record an archived capture that made no version (bad status, no article, other page)."""
    canonical = canonical_url(capture.page.requested_url)
    article = article_for_urls(session, [canonical])
    return _insert_capture(
        session, capture, "error", article, crawl_run_id=crawl_run_id, failure=failure
    )


def _neighbours(
    session: Session, article: Article, at: datetime
) -> tuple[Version | None, Version | None]:
    """The version in force at ``at`` and the one after it (None where there is none)."""
    versions = list(
        session.scalars(
            select(Version).where(Version.article_id == article.id).order_by(Version.number)
        )
    )
    earlier = [v for v in versions if v.captured_at <= at]
    previous = earlier[-1] if earlier else None
    following = versions[len(earlier)] if len(earlier) < len(versions) else None
    return previous, following


def _refusal(
    previous: Version | None, following: Version | None, new: NewContent
) -> CaptureFailure | None:
    """Why ``new`` makes no version: no text, or a collapse against either neighbour."""
    decision = decide_version(latest_content(previous), new)
    if decision.outcome is VersionOutcome.EMPTY:
        return CaptureFailure(CaptureReason.NO_ARTICLE_TEXT, "the capture has no article text")
    for neighbour in (previous, following):
        against = decide_version(latest_content(neighbour), new) if neighbour else None
        if against is not None and against.outcome is VersionOutcome.COLLAPSED:
            return CaptureFailure(
                CaptureReason.COLLAPSED_EXTRACTION,
                f"extracted text is {against.new_chars} characters against "
                f"{against.latest_chars} in version {neighbour.number if neighbour else '?'}: "
                "an error page or stub, not a version",
            )
    return None


def record_backfilled_capture(
    session: Session,
    capture: ArchivedCapture,
    content: ArticleContent,
    *,
    crawl_run_id: int | None = None,
) -> CaptureResult:
    """Record an archived capture's extracted content in its place in the article's history."""
    page = capture.page
    if article_url_for(page, content.canonical_url) != canonical_url(page.requested_url):
        declared = content.canonical_url or ""
        if _other_article(declared, page.requested_url):
            failure = CaptureFailure(
                "other_article", f"the capture declares another article as canonical: {declared}"
            )
            return record_backfill_failure(session, capture, failure, crawl_run_id=crawl_run_id)
    article = _article(session, capture, content.site_name)
    previous, following = _neighbours(session, article, page.fetched_at)
    new = NewContent.of(content)
    refusal = _refusal(previous, following, new)
    if refusal is not None:
        return _insert_capture(
            session, capture, "error", article, crawl_run_id=crawl_run_id, failure=refusal
        )
    if previous is not None and previous.content_hash == new.content_hash:
        previous.last_confirmed_at = max(previous.last_confirmed_at, page.fetched_at)
        return _insert_capture(
            session, capture, "unchanged", article, crawl_run_id=crawl_run_id, version=previous
        )
    if following is not None and following.content_hash == new.content_hash:
        following.captured_at = page.fetched_at  # it was already there earlier than we knew
        return _insert_capture(
            session, capture, "unchanged", article, crawl_run_id=crawl_run_id, version=following
        )
    version = insert_in_order(session, article, previous, following, content, new, page)
    outcome: CaptureOutcome = "new" if version.number == 1 else "changed"
    result = _insert_capture(
        session, capture, outcome, article, crawl_run_id=crawl_run_id, version=version
    )
    if following is not None:
        record_renumbering(session, article, version.number, result.capture_id)
    return result


def _strip(url: str) -> str:
    return url.split("://", 1)[-1].removeprefix("www.")


def _other_article(declared: str, requested: str) -> bool:
    """A same-site canonical naming a different path: the capture is of another page."""
    try:
        declared_url, requested_url = canonical_url(declared), canonical_url(requested)
    except ValueError:
        return False
    same_host = _strip(declared_url).split("/", 1)[0] == _strip(requested_url).split("/", 1)[0]
    return same_host and _strip(declared_url) != _strip(requested_url)
