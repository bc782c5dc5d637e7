"""What an archive holds of one URL: the captures worth fetching, in time order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from crawler.backfill.cdx import CdxAnswerError, CdxRow, CdxSkip, cdx_query_url, parse_cdx_lines
from crawler.backfill.client import ArchiveClient, ArchiveError
from crawler.backfill.sources import ArchiveKind, ArchiveSource, raw_memento_url
from crawler.backfill.timemap import parse_timemap

__all__ = ["Candidate", "Listing", "list_captures"]


@dataclass(frozen=True)
class Candidate:
    """A capture to fetch: its original time, the URL of its raw bytes, its digest if known."""

    captured_at: datetime
    raw_url: str
    archive: str
    digest: str | None


@dataclass
class Listing:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def _usable(row: CdxRow) -> str | None:
    """Why a CDX row is not fetched (None: it is)."""
    if row.status != 200:
        return "not_200" if row.status is not None else "no_status"
    if "html" not in row.mime.lower():
        return "not_html"
    return None


def _from_cdx(
    client: ArchiveClient,
    source: ArchiveSource,
    url: str,
    window: tuple[datetime | None, datetime | None],
    limit: int | None,
    listing: Listing,
) -> None:
    since, until = window
    query = cdx_query_url(
        source.endpoint,
        url,
        since=since.strftime("%Y%m%d%H%M%S") if since else None,
        until=until.strftime("%Y%m%d%H%M%S") if until else None,
    )
    taken = 0
    with client.lines(query) as lines:
        try:
            for row in parse_cdx_lines(lines):
                if isinstance(row, CdxSkip):
                    listing.skipped["unreadable_cdx_line"] += 1
                    continue
                reason = _usable(row)
                if reason is not None:
                    listing.skipped[reason] += 1
                    continue
                raw = source.raw_capture_url(row.timestamp, row.url)
                listing.candidates.append(
                    Candidate(row.captured_at, raw, source.endpoint, row.digest)
                )
                taken += 1
                if limit is not None and taken >= limit:
                    break
        except CdxAnswerError as error:
            raise ArchiveError(f"{source.endpoint}: {error}") from None


def _from_timemap(
    client: ArchiveClient,
    source: ArchiveSource,
    url: str,
    window: tuple[datetime | None, datetime | None],
    listing: Listing,
) -> None:
    answer = client.fetch(source.timemap_url(url))
    if answer.status == 404:
        return  # the archive holds nothing of this URL
    if answer.status != 200:
        raise ArchiveError(f"{source.endpoint}: TimeMap answered HTTP {answer.status}")
    text = answer.body.decode("utf-8", "replace")
    if text.lstrip().startswith("<") and "rel=" not in text[:2000]:
        raise ArchiveError(f"{source.endpoint}: the archive answered HTML, not a TimeMap")
    timemap = parse_timemap(text)
    if timemap.skipped:
        listing.skipped["unreadable_timemap_entry"] += timemap.skipped
    since, until = window
    for memento in timemap.mementos:
        if (since and memento.captured_at < since) or (until and memento.captured_at > until):
            continue
        listing.candidates.append(
            Candidate(memento.captured_at, raw_memento_url(memento.uri), source.endpoint, None)
        )


def list_captures(
    client: ArchiveClient,
    sources: list[ArchiveSource],
    url: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> Listing:
    """Every usable capture of ``url`` in ``sources``, merged, oldest first, at most ``limit``.

    Unusable rows (not 200, not HTML, unreadable) are counted in ``skipped``; captures with
    the same digest stay (the flow fetches their bytes once and records each as a
    confirmation); an archive answering garbage or nothing at all raises ArchiveError.
    """
    listing = Listing()
    for source in sources:
        if source.kind is ArchiveKind.CDX:
            _from_cdx(client, source, url, (since, until), limit, listing)
        else:
            _from_timemap(client, source, url, (since, until), listing)
    # Two archives (or a CDX and a TimeMap of one) may list the same memento: keep it once,
    # with its digest where one source gave it.
    unique: dict[str, Candidate] = {}
    for candidate in sorted(listing.candidates, key=lambda c: c.digest is None):
        unique.setdefault(candidate.raw_url, candidate)
    listing.candidates = sorted(unique.values(), key=lambda candidate: candidate.captured_at)
    if limit is not None:
        listing.candidates = listing.candidates[:limit]
    return listing
