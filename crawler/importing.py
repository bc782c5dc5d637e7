"""Archiving pages that come from files, not fetches: WARC imports and re-extraction."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import islice
from typing import BinaryIO, TypeVar

from sqlalchemy.orm import Session

from crawler.extraction.errors import ExtractionError
from crawler.warc_redirects import follow_redirects
from crawler.warc_revisits import Extract, RevisitPayloads, is_not_modified
from storage import (
    Archive,
    ArticleContent,
    CaptureFailure,
    CaptureResult,
    record_capture,
    record_failure,
    record_not_modified,
)
from storage.rawbodies import load_raw_body
from storage.records import FetchedPage, ReextractCandidate, ReextractResult
from storage.reextraction import record_reextraction, reextract_candidates
from storage.warc import WarcPage, iter_warc_pages
from storage.warc_reading import UnreadableRecord

log = logging.getLogger(__name__)

T = TypeVar("T")

BATCH_SIZE = 50


def current_extractor() -> Extract:
    """The crawler's extractor (imported on first use: it pulls in trafilatura)."""
    from crawler.extraction import extract_article

    return extract_article


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _is_html(content_type: str | None) -> bool:
    return content_type is None or "html" in content_type.lower()


@dataclass
class WarcImportSummary:
    """Counts by capture outcome, plus records that were not article pages."""

    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    unreadable: list[UnreadableRecord] = field(default_factory=list)


NOT_MODIFIED = "not_modified"
Job = tuple[FetchedPage, ArticleContent | CaptureFailure | str]


def _job(record: WarcPage, extract: Extract, seen: RevisitPayloads) -> Job | str:
    """What to record for one WARC record, or why it is skipped."""
    page, status = record.page, record.page.http_status or 0
    if is_not_modified(record):
        return page, NOT_MODIFIED
    if record.revisit:
        content = seen.content_for(record)
        return (page, content) if content is not None else "revisit_of_unknown_payload"
    if 300 <= status < 400 or status < 200:
        return "redirect_or_informational"
    if not _is_html(record.content_type):
        return "not_html"
    if status >= 400:
        return page, CaptureFailure(f"http_{status}", f"the server answered HTTP {status}")
    try:
        content = extract(page.body or b"", page.final_url, record.content_type)
    except ExtractionError as error:
        return page, CaptureFailure(error.reason, str(error))
    if record.rendered:  # the DOM a browser rendered, exported as a conversion record
        content = replace(content, body_source="rendered")
    seen.remember(record.payload_digest, content)
    return page, content


def _record(session: Session, jobs: list[Job]) -> list[CaptureResult]:
    results = []
    for page, outcome in jobs:
        if isinstance(outcome, CaptureFailure):
            results.append(record_failure(session, page, outcome))
        elif isinstance(outcome, str):
            results.append(record_not_modified(session, page))
        else:
            results.append(record_capture(session, page, outcome))
    return results


def import_warc(
    archive: Archive,
    stream: BinaryIO,
    *,
    extract: Extract | None = None,
    on_result: Callable[[CaptureResult], None] | None = None,
) -> WarcImportSummary:
    """Archive the HTML pages of a WARC file as captures made at their WARC-Date.

    Each 2xx HTML response is extracted and recorded with ``record_capture`` (so versions
    follow the usual rules); 4xx/5xx responses become error captures; a revisit of a payload
    seen earlier in the file, or stored in the archive, confirms what that payload held, and a
    server-not-modified revisit is a 304. Redirect records become aliases of the page they
    lead to (and are counted in ``skipped``, as are non-HTML records and revisits of unknown
    payloads); what cannot be read (a broken record, a cut or corrupt gzip member, an absurd
    Content-Length, an invalid URI or date) is listed in ``unreadable`` with its offset, and the
    records after it are read on. Written in batches.
    """
    extractor = extract or current_extractor()
    summary = WarcImportSummary()
    seen = RevisitPayloads(archive, extractor)
    for records in _batches(follow_redirects(iter_warc_pages(stream)), BATCH_SIZE):
        jobs: list[Job] = []
        for record in records:
            if isinstance(record, UnreadableRecord):
                summary.unreadable.append(record)
                continue
            job = _job(record, extractor, seen)
            if isinstance(job, str):
                summary.skipped[job] += 1
            else:
                jobs.append(job)
        for result in archive.run_write(partial(_record, jobs=jobs)):
            summary.outcomes[result.status] += 1
            if on_result is not None:
                on_result(result)
    return summary


def _reextract_one(
    session: Session, candidate: ReextractCandidate, extractor: Extract
) -> ArticleContent | ReextractResult:
    body = load_raw_body(session, candidate.raw_body_sha256)
    if body is None:
        return ReextractResult(candidate.url, "failed", candidate.version, "raw body missing")
    try:
        return extractor(body, candidate.url, candidate.content_type)
    except ExtractionError as error:
        return ReextractResult(candidate.url, "failed", candidate.version, str(error))


Reextracted = list[tuple[ReextractCandidate, ArticleContent | ReextractResult]]


def _write_reextractions(
    session: Session, extracted: Reextracted, dry_run: bool = False
) -> list[ReextractResult]:
    return [
        outcome
        if isinstance(outcome, ReextractResult)
        else record_reextraction(session, candidate, outcome, dry_run=dry_run)
        for candidate, outcome in extracted
    ]


def reextract(
    archive: Archive,
    *,
    site: str | None = None,
    extract: Extract | None = None,
    on_result: Callable[[ReextractResult], None] | None = None,
    dry_run: bool = False,
) -> Counter[str]:
    """Re-run the current extractor over the stored body behind each article's latest version.

    With ``dry_run`` nothing is written: articles whose text would change count as
    ``would_change``.

    Different content becomes a new version with ``origin='reextract'`` (see
    ``storage.reextraction.record_reextraction``), so later captures compare against what the
    current extractor makes of the page and an extractor upgrade is never mistaken for an
    edit. Older versions keep the text their extractor produced. Returns counts by status.
    """
    extractor = extract or current_extractor()
    counts: Counter[str] = Counter()
    with archive.read() as session:
        candidates = reextract_candidates(session, site=site)
    for batch in _batches(candidates, BATCH_SIZE):
        with archive.read() as session:
            extracted: Reextracted = [(c, _reextract_one(session, c, extractor)) for c in batch]

        for result in archive.run_write(
            partial(_write_reextractions, extracted=extracted, dry_run=dry_run)
        ):
            counts[result.status] += 1
            if on_result is not None:
                on_result(result)
    return counts
