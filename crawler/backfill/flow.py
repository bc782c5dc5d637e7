"""Backfill one URL: list its captures, fetch each raw once, extract, record in time order.

The listed captures are queued in the frontier (storage.backfill_frontier) before any is
fetched, and each is recorded in its own write transaction (storage.backfill) that also marks
its frontier row done, so a run killed at any point loses at most the capture in flight, and a
rerun takes the pending rows from the database without listing again: it finishes without
fetching anything twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.backfill.client import (
    Answer,
    ArchiveClient,
    ArchiveError,
    ArchiveUnavailable,
    TruncatedCapture,
)
from crawler.backfill.listing import list_captures
from crawler.backfill.sources import ArchiveSource
from crawler.backfill.url_lock import url_lock
from crawler.extraction.article import extract_article
from crawler.extraction.errors import ExtractionError
from storage import Archive
from storage.backfill import (
    ArchivedCapture,
    record_backfill_failure,
    record_backfilled_capture,
    recorded_mementos,
)
from storage.backfill_frontier import (
    PENDING,
    QueuedMemento,
    finish_memento,
    memento_rows,
    queue_mementos,
    retry_memento,
)
from storage.records import CaptureFailure, CaptureResult, FetchedPage
from storage.timeutil import utcnow

__all__ = ["UrlReport", "backfill_url"]

log = logging.getLogger(__name__)


@dataclass
class UrlReport:
    """What backfilling one URL did."""

    url: str
    listed: int = 0
    already_recorded: int = 0
    resumed: bool = False  # the work list came from the frontier, not from a listing
    fetched: int = 0
    new_versions: int = 0
    unchanged: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # captures that made no version
    skipped: Counter[str] = field(default_factory=Counter)  # listed rows never fetched
    versions: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "listed": self.listed,
            "already_recorded": self.already_recorded,
            "resumed": self.resumed,
            "fetched": self.fetched,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "refused": dict(self.refused),
            "skipped": dict(self.skipped),
            "versions": self.versions,
        }


def _failure_of(answer: Answer) -> CaptureFailure | None:
    """Why an archived answer is no article page (None: it may be one)."""
    if 300 <= answer.status < 400:
        where = answer.headers.get("location", "?")
        return CaptureFailure("archived_redirect", f"the capture is a redirect to {where}")
    if answer.status != 200:
        return CaptureFailure(f"http_{answer.status}", f"the capture's status is {answer.status}")
    content_type = answer.headers.get("content-type", "")
    if content_type and "html" not in content_type.lower():
        return CaptureFailure("not_html", f"the capture is {content_type[:60]}, not HTML")
    return None


def _record(archive: Archive, capture: ArchivedCapture) -> CaptureResult:
    page = capture.page
    content = None
    failure = _failure_of(Answer(page.http_status or 0, page.headers, page.body or b""))
    if failure is None:
        try:
            content = extract_article(
                page.body or b"", page.requested_url, page.header("content-type")
            )
        except ExtractionError as error:
            failure = CaptureFailure(error.reason, error.message)

    def write(session: Any) -> CaptureResult:
        if content is None:
            assert failure is not None
            result = record_backfill_failure(session, capture, failure)
        else:
            result = record_backfilled_capture(session, capture, content)
        outcome = result.status if result.error_reason is None else result.error_reason
        finish_memento(session, capture.memento_url, outcome or "recorded", now=utcnow())
        return result

    return archive.run_write(write)


def _capture_of(url: str, candidate: QueuedMemento, answer: Answer) -> ArchivedCapture:
    page = FetchedPage(
        requested_url=url,
        final_url=url,
        fetched_at=candidate.captured_at,
        http_status=answer.status,
        headers=answer.headers,
        body=answer.body,
    )
    return ArchivedCapture(page, candidate.archive, candidate.raw_url)


def backfill_url(
    archive: Archive,
    client: ArchiveClient,
    sources: list[ArchiveSource],
    url: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> UrlReport:
    """Backfill ``url`` from ``sources``; raises ArchiveError when an archive cannot be used.

    BackfillBusy (a StorageError) when another live backfill is working on ``url``.
    """
    report = UrlReport(url)
    with url_lock(archive, url) as lock:
        work = _work_list(archive, client, sources, url, (since, until), limit, report)
        _fetch_and_record(archive, client, url, work, report, progress, lock.renew)
    return report


def _fetch_and_record(
    archive: Archive,
    client: ArchiveClient,
    url: str,
    work: list[QueuedMemento],
    report: UrlReport,
    progress: Callable[[str], None],
    still_working: Callable[[], None],
) -> None:
    bodies: dict[str, Answer] = {}  # by digest: a capture seen twice is fetched once
    for candidate in work:
        still_working()
        if not candidate.pending:
            report.already_recorded += 1
            continue
        answer = bodies.get(candidate.digest) if candidate.digest else None
        if answer is None:
            progress(f"fetching {candidate.raw_url}")
            try:
                answer = client.fetch(candidate.raw_url)
            except TruncatedCapture as error:
                _retry_later(archive, candidate, "truncated_body")
                report.refused["truncated_body"] += 1
                log.warning("%s", error)
                continue
            except ArchiveUnavailable:
                raise  # stop asking it; what is recorded stays, a rerun resumes
            except ArchiveError as error:
                _retry_later(archive, candidate, "fetch_error")
                report.refused["fetch_error"] += 1
                log.warning("%s", error)
                continue
            report.fetched += 1
            if candidate.digest:
                bodies[candidate.digest] = answer
        _count(report, _record(archive, _capture_of(url, candidate, answer)), candidate)


def _work_list(
    archive: Archive,
    client: ArchiveClient,
    sources: list[ArchiveSource],
    url: str,
    window: tuple[datetime | None, datetime | None],
    limit: int | None,
    report: UrlReport,
) -> list[QueuedMemento]:
    """The mementos to go through: an interrupted run's from the frontier, else a new listing.

    A new listing is queued in the frontier (one transaction) before anything is fetched;
    mementos whose capture is recorded already are queued as done.
    """
    with archive.read() as session:
        queued = memento_rows(session, url, [source.endpoint for source in sources])
    if any(memento.pending for memento in queued):
        report.resumed = True
        report.listed = len(queued)
        return queued
    listing = list_captures(client, sources, url, since=window[0], until=window[1], limit=limit)
    report.listed = len(listing.candidates)
    report.skipped.update(listing.skipped)
    with archive.read() as session:
        done = recorded_mementos(session, [c.raw_url for c in listing.candidates])
    work = [
        QueuedMemento(
            c.captured_at,
            c.raw_url,
            c.archive,
            c.digest,
            "recorded" if c.raw_url in done else PENDING,
        )
        for c in listing.candidates
    ]
    archive.run_write(lambda session: queue_mementos(session, url, work, now=utcnow()))
    return work


def _retry_later(archive: Archive, memento: QueuedMemento, reason: str) -> None:
    """A fetch that failed: the row stays pending (a rerun tries again) up to its attempts."""
    archive.run_write(lambda session: retry_memento(session, memento.raw_url, reason, now=utcnow()))


def _count(report: UrlReport, result: CaptureResult, candidate: QueuedMemento) -> None:
    if result.status in ("new", "changed"):
        report.new_versions += 1
        report.versions.append(
            {
                "captured_at": candidate.captured_at.isoformat(),
                "archive": candidate.archive,
                "memento_url": candidate.raw_url,
                "title": result.title,
            }
        )
    elif result.status == "unchanged":
        report.unchanged += 1
    else:
        report.refused[result.error_reason or "error"] += 1
