"""The other extractors that vote on the article's paragraphs (see crawler.extraction.ensemble).

Both read the tree our cleanup already trimmed (tree rules applied, menus and scripts gone), so
they cost a fraction of a run on the raw page, and they differ from our own pass in method, not
just in settings: trafilatura in precision mode prunes harder, and the readability algorithm
(trafilatura's bundled port of readability-lxml) scores containers by text and link density.
"""

from __future__ import annotations

import logging

import trafilatura
from lxml.html import HtmlElement, fromstring
from trafilatura.readability_lxml import Document as ReadabilityDocument

__all__ = ["VOTERS", "precision_text", "readability_text", "summary_text", "voter_texts"]

logger = logging.getLogger(__name__)

VOTERS = ("trafilatura-precision", "readability")
# Blocks of a readability summary that hold one paragraph each; a block inside another
# (a <p> in a <li>, say) is part of the outer one.
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote")
_OUTER_BLOCKS = ("p", "li", "blockquote", "pre")


def precision_text(tree: HtmlElement, url: str | None) -> str:
    """trafilatura in precision mode, without its fallbacks (``tree`` is left as it was)."""
    text: str | None = trafilatura.extract(
        tree,
        url=url,
        include_comments=False,
        favor_precision=True,
        fast=True,
        deduplicate=False,
    )
    return text or ""


def readability_text(tree: HtmlElement) -> str:
    """The readability algorithm's article, one block per line. ``tree`` is changed in place."""
    try:
        return summary_text(ReadabilityDocument(tree).summary())
    except Exception:  # a port of a heuristic library with no error contract: it abstains
        logger.debug("readability failed", exc_info=True)
        return ""


def summary_text(summary: str) -> str:
    """The text of a readability summary (an HTML fragment), one block per line."""
    if not summary.strip():
        return ""
    article = fromstring(summary)
    lines = []
    for block in article.iter(*_BLOCKS):
        if next(block.iterancestors(*_OUTER_BLOCKS), None) is not None:
            continue
        line = " ".join(block.text_content().split())
        if line:
            lines.append(line)
    return "\n".join(lines)


def voter_texts(tree: HtmlElement, url: str | None) -> list[str]:
    """The voters' texts, in VOTERS order. The readability pass runs last: it changes ``tree``."""
    return [precision_text(tree, url), readability_text(tree)]
