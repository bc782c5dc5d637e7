"""Article extraction: HTML bytes and URL in, an ArticleContent or an ExtractionError out.

The extractor itself (trafilatura, lxml and our passes) is in ``crawler.extraction.article``
and is imported on first use of one of its names here, not with the package: the crawler's
own process only hands pages to extraction workers (crawler.extraction.pool) and should not
pay a tenth of a second at every start for an extractor it never runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.extraction.errors import ExtractionError

if TYPE_CHECKING:
    from crawler.extraction.article import (
        EXTRACTOR_NAME,
        EXTRACTOR_VERSION,
        MIN_TEXT_CHARS,
        extract_article,
        parse_html,
    )

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "MIN_TEXT_CHARS",
    "ExtractionError",
    "extract_article",
    "parse_html",
]

_FROM_ARTICLE = {
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "MIN_TEXT_CHARS",
    "extract_article",
    "parse_html",
}


def __getattr__(name: str) -> Any:
    if name in _FROM_ARTICLE:
        from crawler.extraction import article

        return getattr(article, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
