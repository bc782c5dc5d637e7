"""extract_article: HTML bytes and URL in, an ArticleContent or an ExtractionError out."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import trafilatura
from lxml.html import HtmlElement

from crawler.extraction.body import extract_body
from crawler.extraction.declarations import PageMarkup
from crawler.extraction.decoding import decode_body
from crawler.extraction.errors import ExtractionError
from crawler.extraction.metadata import PageMetadata, extract_metadata
from crawler.extraction.parsing import remove_invalid_xml_chars, text_to_tree
from crawler.extraction.shells import Recovery, inspect_page, recover_body
from storage.content import ArticleContent

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "newsarchive-extract"
EXTRACTOR_VERSION = f"{EXTRACTOR_NAME}/2 trafilatura/{trafilatura.__version__}"
#: Less text than this is a stub (error page, paywall teaser), not an article.
MIN_TEXT_CHARS = 40
# "Soft 404s": error pages answered with 200. Only short pages count, so an article about an
# error ("The 404 error that broke the internet") is never mistaken for one.
ERROR_PAGE_MAX_CHARS = 600
_ERROR_TITLE = re.compile(
    r"\b(page not found|not found|404|410|page (?:is )?(?:unavailable|no longer available)|"
    r"(?:internal )?server error|error \d{3}|access denied|seite nicht gefunden|"
    r"page introuvable|página no encontrada)\b",
    re.IGNORECASE,
)


def parse_html(body: bytes, content_type: str | None = None) -> HtmlElement:
    """Decode and parse a response body into an lxml tree, or raise ExtractionError."""
    return _parse(*_parsable_text(body, content_type))


def _parsable_text(body: bytes, content_type: str | None) -> tuple[str, bytes | None]:
    """The page's text, ready to parse, and ``body`` if that text is all of it in UTF-8."""
    text, encoding = decode_body(body, content_type)
    if encoding != "utf-8":
        return remove_invalid_xml_chars(text), None
    parsable = remove_invalid_xml_chars(text, body)
    return parsable, body if parsable is text else None


def _parse(text: str, utf8_source: bytes | None = None) -> HtmlElement:
    tree = text_to_tree(text, utf8_source)
    if tree is None:
        raise ExtractionError("unparsable", "the body could not be parsed as HTML")
    return tree


def extract_article(
    body: bytes, url: str | None = None, content_type: str | None = None
) -> ArticleContent:
    """Extract the article in ``body`` (the raw response bytes) fetched from ``url``.

    Raises ExtractionError with a machine-readable ``reason`` when there is no article.
    """
    html, utf8_source = _parsable_text(body, content_type)
    tree = _parse(html, utf8_source)
    markup = PageMarkup.of(tree)  # read once for the shell signals and the metadata
    shape = inspect_page(tree, url, markup)  # before the body pass deletes the scripts
    metadata = extract_metadata(tree, url, markup)
    # The body pass cleans the tree in place; the rare recovery pass parses the page afresh.
    text = extract_body(tree, url, metadata.title, original=lambda: _parse(html, utf8_source))
    # -- pages built by JavaScript (shells.py, docs/javascript-pages.md) -----------------------
    recovery = recover_body(shape, text)  # raises NeedsJavaScript for an unrecoverable shell
    if recovery is not None:
        text, metadata = recovery.text, _with_embedded(metadata, recovery)
    # ------------------------------------------------------------------------------------------
    if not text:
        raise ExtractionError("no_article_text", f"no main text found in {url or 'the page'}")
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(
            "too_short", f"{len(text)} characters of text is below {MIN_TEXT_CHARS}"
        )
    if _is_error_page(metadata.title, text):
        raise ExtractionError(
            "error_page", f"the page says it is an error page ({metadata.title!r}), not an article"
        )
    logger.debug("extracted %d chars from %s", len(text), url)
    content = _content(text, metadata)
    return replace(content, body_source=recovery.body_source) if recovery else content


def _with_embedded(metadata: PageMetadata, recovery: Recovery) -> PageMetadata:
    """The page's metadata, with headline, authors and dates of the recovered article's object."""
    found = recovery.article
    if found is None:
        return metadata
    return replace(
        metadata,
        title=found.headline or metadata.title,
        authors=found.authors or metadata.authors,
        published_at=found.published_at or metadata.published_at,
        modified_at=found.modified_at or metadata.modified_at,
    )


def _is_error_page(title: str | None, text: str) -> bool:
    """A short page titled like an error ("Page not found", "404", ...) served with status 200."""
    return (
        bool(title) and len(text) < ERROR_PAGE_MAX_CHARS and bool(_ERROR_TITLE.search(title or ""))
    )


def _content(text: str, metadata: PageMetadata) -> ArticleContent:
    return ArticleContent(
        text=text,
        title=metadata.title,
        authors=metadata.authors,
        published_at=metadata.published_at,
        modified_at=metadata.modified_at,
        description=metadata.description,
        language=metadata.language,
        site_name=metadata.site_name,
        top_image=metadata.top_image,
        section=metadata.section,
        tags=metadata.tags,
        paywalled=metadata.paywalled,
        canonical_url=metadata.canonical_url,
        page_type=metadata.page_type,
        extractor=EXTRACTOR_NAME,
        extractor_version=EXTRACTOR_VERSION,
        extra=dict(metadata.sources),
    )
