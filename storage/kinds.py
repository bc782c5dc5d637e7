"""The kinds of frontier rows and the reasons a capture failed: the strings the database holds."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CaptureReason", "FrontierKind"]


class FrontierKind(StrEnum):
    """What a frontier row is: how its answer is read (stored as the row's ``kind``)."""

    FEED = "feed"
    SITEMAP = "sitemap"
    PAGE = "page"
    ARTICLE = "article"
    ROBOTS = "robots"
    MEMENTO = "memento"  # a web archive's capture to backfill (never leased by a crawl)


class CaptureReason(StrEnum):
    """Why a capture made no version (stored as its ``error_reason``).

    An HTTP error answer is recorded as ``http_<status>`` (``http_404``, ``http_503``), one
    reason per status, so those are not members.
    """

    # storage: the archive refused what it was given
    NO_ARTICLE_TEXT = "no_article_text"
    COLLAPSED_EXTRACTION = "collapsed_extraction"
    UNEXPECTED_304 = "unexpected_304"
    # extraction: the page held no article
    EMPTY_BODY = "empty_body"
    NOT_HTML = "not_html"
    UNPARSABLE = "unparsable"
    TOO_SHORT = "too_short"
    ERROR_PAGE = "error_page"
    NEEDS_JAVASCRIPT = "needs_javascript"  # an app shell: the article is built by its scripts
    TIMEOUT = "timeout"  # extraction or download ran past its time limit
    MEMORY = "memory"
    WORKER_CRASHED = "worker_crashed"
    EXTRACTOR_BUG = "extractor_bug"
    # rendering in a browser (--render): the page could not be rendered
    RENDER_TIMEOUT = "render_timeout"
    RENDER_FAILED = "render_failed"
    # fetching: no usable answer
    DNS_ERROR = "dns_error"
    CONNECTION_REFUSED = "connection_refused"
    CONNECTION_LOST = "connection_lost"
    TRUNCATED_BODY = "truncated_body"  # Content-Length not reached, chunks or gzip cut off
    TRUNCATED = "truncated"  # the name older archives hold for TRUNCATED_BODY
    BAD_RESPONSE = "bad_response"
    TOO_LARGE = "too_large"
    FETCH_ERROR = "fetch_error"
    REDIRECT_REFUSED = "redirect_refused"
    REDIRECT_LOOP = "redirect_loop"
    IGNORED = "ignored"
    # refused before fetching
    PRIVATE_NETWORK = "private_network"
    URL_TOO_LONG = "url_too_long"
    ROBOTS_DISALLOWED = "robots_disallowed"
    ROBOTS_UNAVAILABLE = "robots_unavailable"
