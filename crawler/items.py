"""What spiders hand to the archive pipeline: a fetched page, or a fetch that failed."""

from __future__ import annotations

from dataclasses import dataclass

from storage.records import CaptureFailure, FetchedPage


@dataclass(frozen=True)
class PageFetched:
    """A response worth extracting (any 2xx with a body), or a 304 to a conditional request."""

    page: FetchedPage
    is_html: bool
    source: str = "url"


@dataclass(frozen=True)
class FetchFailed:
    """A request that produced no page: HTTP error, robots.txt refusal, timeout, ..."""

    page: FetchedPage
    failure: CaptureFailure
    source: str = "url"
