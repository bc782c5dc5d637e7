"""What each outcome reason means, in one sentence: the table in docs/cli.md, and crawl warnings.

The reasons are ``storage.kinds.CaptureReason`` (a capture that made no version, stored as its
``error_reason``), ``http_<status>``, and ``unreadable`` (a feed or sitemap that was fetched
but could not be read). tests/crawler/cli/test_reasons.py checks this table, the enum and
docs/cli.md agree.
"""

from __future__ import annotations

from storage.kinds import CaptureReason

R = CaptureReason

REASON_MEANINGS: dict[str, str] = {
    R.NO_ARTICLE_TEXT: "The page was fetched but held no article text to archive.",
    R.COLLAPSED_EXTRACTION: "The extracted text shrank so much against the last version that "
    "it is taken for a broken page, not an edit; the last version stays current.",
    R.UNEXPECTED_304: "The server answered 304 Not Modified to a request that sent no "
    "validators, so there was nothing to compare with.",
    R.EMPTY_BODY: "The server answered with an empty body.",
    R.NOT_HTML: "The answer is not an HTML page (its Content-Type says so).",
    R.UNPARSABLE: "The HTML could not be parsed at all.",
    R.TOO_SHORT: "The page's text is too short to be an article.",
    R.ERROR_PAGE: "The page says it is an error page (a soft 404) although it answered 200.",
    R.TIMEOUT: "The server did not answer in time (or extraction ran past its time limit).",
    R.MEMORY: "Extraction of the page ran past its memory limit.",
    R.WORKER_CRASHED: "The extraction worker process died on this page.",
    R.EXTRACTOR_BUG: "The extractor failed on this page: a bug to report, with the URL.",
    R.DNS_ERROR: "The host name does not resolve (a typo, or a domain that no longer exists).",
    R.CONNECTION_REFUSED: "Nothing listens at that address: the server refused the connection.",
    R.CONNECTION_LOST: "The connection broke before the page was complete.",
    R.TRUNCATED: "The connection closed before the body the server announced was complete.",
    R.TRUNCATED_BODY: "The body was cut off (a compressed stream not ended, Content-Length not "
    "reached, a chunked body cut): never a version.",
    R.NEEDS_JAVASCRIPT: "The page is an app shell whose article is built by its scripts and "
    "was not found in its data or AMP version: archiving it needs a browser.",
    R.RENDER_TIMEOUT: "The page did not finish rendering in the browser within the per-page "
    "deadline (--render-timeout, default 20 s).",
    R.RENDER_FAILED: "The browser could not render the page: it crashed or was closed, the "
    "page kept navigating, or the page failed to load.",
    R.BAD_RESPONSE: "The server sent something that is not a valid HTTP response.",
    R.TOO_LARGE: "The response passed the size limit (--download-maxsize).",
    R.FETCH_ERROR: "The fetch failed for another reason; run with -v to see it.",
    R.REDIRECT_REFUSED: "A redirect pointed to a URL that is not http(s) and was not followed.",
    R.REDIRECT_LOOP: "Too many redirects: a loop or an endless chain.",
    R.IGNORED: "Not fetched: a component of the crawl declined the request.",
    R.PRIVATE_NETWORK: "The address is on a private network, refused unless "
    "--allow-private-network is given.",
    R.URL_TOO_LONG: "The URL is longer than the archive accepts.",
    R.ROBOTS_DISALLOWED: "The site's robots.txt forbids fetching this URL.",
    R.ROBOTS_UNAVAILABLE: "The site's robots.txt answered with a server error, so nothing "
    "on that host is fetched until it answers.",
    "http_<status>": "The server answered with that HTTP error status (http_404: not found).",
    "unreadable": "A feed or sitemap was fetched but is neither a feed nor a sitemap (an HTML "
    "page, say) or is broken.",
}


def meaning_of(reason: str) -> str:
    """The sentence for ``reason`` (``http_404`` and the like share one)."""
    if reason.startswith("http_") and reason[5:].isdigit():
        return f"the server answered HTTP {reason[5:]}"
    sentence = REASON_MEANINGS.get(reason)
    if sentence is None:
        return reason
    return sentence[0].lower() + sentence[1:].rstrip(".")
