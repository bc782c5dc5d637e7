"""What each outcome does to its frontier row, in the transaction that records the outcome."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crawler.items import DiscoveredLinks
from storage import CaptureResult, FetchedPage
from storage.frontier import (
    add_to_frontier,
    complete_fetch,
    fail_fetch,
    note_kept_because,
    schedule_revisit,
)
from storage.kinds import FrontierKind
from storage.revisits import RevisitPolicy
from storage.timeutil import utcnow

RETRYABLE = (
    "timeout",
    "connection_refused",
    "connection_lost",
    "dns_error",
    "fetch_error",
    "robots_unavailable",
)
# Not fetched by choice (robots.txt), not a failure of the page: counted as skipped.
ROBOTS_REFUSALS = ("robots_disallowed", "robots_unavailable")


def retryable(reason: str) -> bool:
    """Whether a fetch that failed for ``reason`` is tried again later."""
    return reason in RETRYABLE or reason.startswith("http_5") or reason == "http_429"


def record_links(session: Session, item: DiscoveredLinks, owner: str | None) -> int:
    """Add the discovered URLs; complete the row read to find them. Returns how many were new."""
    now = utcnow()
    added = add_to_frontier(session, item.urls, now=now, scope=item.scope)
    if item.frontier_id is not None:
        complete_fetch(
            session,
            item.frontier_id,
            now=now,
            outcome=item.outcome,
            etag=item.etag,
            last_modified=item.last_modified,
            owner=owner,
        )
    return added


def record_unarchived_failure(
    session: Session, frontier_id: int, reason: str, owner: str | None
) -> None:
    """A row that failed without a capture (a feed, or a robots.txt refusal)."""
    fail_fetch(
        session, frontier_id, now=utcnow(), reason=reason, retryable=retryable(reason), owner=owner
    )


def finish_capture(
    session: Session,
    result: CaptureResult,
    page: FetchedPage,
    frontier_id: int | None,
    policy: RevisitPolicy,
    owner: str | None,
    kept_because: str | None = None,
) -> None:
    """After a capture: schedule the article's next revisit, or fail its row.

    ``kept_because`` (why the page counts as an article) is noted on an archived row.
    """
    now = utcnow()
    if frontier_id is not None and kept_because and result.status in ("new", "changed"):
        note_kept_because(session, frontier_id, kept_because)
    if result.article_id is not None and (result.status != "error" or frontier_id):
        schedule_revisit(
            session,
            result.article_id,
            now=now,
            etag=page.header("etag"),
            last_modified=page.header("last-modified"),
            frontier_id=frontier_id,
            outcome=result.error_reason or result.status,
            policy=policy,
            owner=owner,
            version=result.version,
            published_at=result.published_at,
        )
    elif frontier_id is not None:
        reason = result.error_reason or result.status
        fail_fetch(
            session,
            frontier_id,
            now=now,
            reason=reason,
            retryable=retryable(reason),
            owner=owner,
        )


def record_not_article(session: Session, frontier_id: int, owner: str | None) -> None:
    """A followed link that turned out not to be an article: a page, read."""
    complete_fetch(
        session,
        frontier_id,
        now=utcnow(),
        outcome="not_article",
        kind=FrontierKind.PAGE,
        owner=owner,
    )
