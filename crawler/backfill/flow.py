"""Backfill one URL: list its captures, fetch each raw once, extract, record in time order.

Each capture is recorded in its own write transaction (storage.backfill), with its memento URL,
so a run killed at any point loses at most the capture in flight, and a rerun skips every
memento URL already recorded: it finishes without fetching anything twice.
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
from crawler.backfill.listing import Candidate, list_captures
from crawler.backfill.sources import ArchiveSource
from crawler.extraction.article import extract_article
from crawler.extraction.errors import ExtractionError
from storage import Archive
from storage.backfill import (
    ArchivedCapture,
    record_backfill_failure,
    record_backfilled_capture,
    recorded_mementos,
)
from storage.records import CaptureFailure, CaptureResult, FetchedPage

__all__ = ["UrlReport", "backfill_url"]

log = logging.getLogger(__name__)


@dataclass
class UrlReport:
    """What backfilling one URL did."""

    url: str
    listed: int = 0
    already_recorded: int = 0
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
            return record_backfill_failure(session, capture, failure)
        return record_backfilled_capture(session, capture, content)

    return archive.run_write(write)


def _capture_of(url: str, candidate: Candidate, answer: Answer) -> ArchivedCapture:
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
    """Backfill ``url`` from ``sources``; raises ArchiveError when an archive cannot be used."""
    report = UrlReport(url)
    listing = list_captures(client, sources, url, since=since, until=until, limit=limit)
    report.listed = len(listing.candidates)
    report.skipped.update(listing.skipped)
    with archive.read() as session:
        done = recorded_mementos(session, [c.raw_url for c in listing.candidates])
    bodies: dict[str, Answer] = {}  # by digest: a capture seen twice is fetched once
    for candidate in listing.candidates:
        if candidate.raw_url in done:
            report.already_recorded += 1
            continue
        answer = bodies.get(candidate.digest) if candidate.digest else None
        if answer is None:
            progress(f"fetching {candidate.raw_url}")
            try:
                answer = client.fetch(candidate.raw_url)
            except TruncatedCapture as error:
                report.refused["truncated_body"] += 1
                log.warning("%s", error)
                continue
            except ArchiveUnavailable:
                raise  # stop asking it; what is recorded stays, a rerun resumes
            except ArchiveError as error:
                report.refused["fetch_error"] += 1
                log.warning("%s", error)
                continue
            report.fetched += 1
            if candidate.digest:
                bodies[candidate.digest] = answer
        _count(report, _record(archive, _capture_of(url, candidate, answer)), candidate)
    return report


def _count(report: UrlReport, result: CaptureResult, candidate: Candidate) -> None:
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
