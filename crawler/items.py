"""What spiders hand to the archive pipeline: fetched pages, failed fetches, discovered links."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.frontier import FrontierURL
from storage.kinds import FrontierKind
from storage.records import CaptureFailure, FetchedPage

# Sources whose URLs are articles by declaration (a feed entry, a news sitemap, a user's URL);
# a page reached by following links must also look like an article to be archived.
VOUCHED_SOURCES = frozenset({"url", "feed", "sitemap", "archive", "revisit", "seed"})


@dataclass(frozen=True)
class PageFetched:
    """A response worth extracting (a 2xx HTML page), or a 304 to a conditional request."""

    page: FetchedPage
    source: str = "url"
    frontier_id: int | None = None
    scope: str | None = None
    amp: bool = False  # the AMP version of a shell, fetched in its place (crawler/amp.py)
    rendered: bool = False  # the DOM a browser rendered, not the server's HTML (crawler/rendering)

    @property
    def vouched(self) -> bool:
        return self.source in VOUCHED_SOURCES

    def failed(self, failure: CaptureFailure) -> FetchFailed:
        """This page's capture as a failure (a shell whose follow-up did not give the article)."""
        return FetchFailed(self.page, failure, self.source, self.frontier_id, scope=self.scope)


@dataclass(frozen=True)
class FetchFailed:
    """A request that produced no page: HTTP error, robots.txt refusal, timeout, ..."""

    page: FetchedPage
    failure: CaptureFailure
    source: str = "url"
    frontier_id: int | None = None
    kind: str = FrontierKind.ARTICLE
    scope: str | None = None


@dataclass(frozen=True)
class DiscoveredLinks:
    """URLs found on a feed, sitemap or page, and the frontier row that was read to find them."""

    frontier_id: int | None
    scope: str
    urls: tuple[FrontierURL, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    outcome: str = "read"
    etag: str | None = None
    last_modified: str | None = None
    kind: str | None = None
