"""trafilatura's fast pass (no comments, no deduplication) on a tree the caller gives up.

``trafilatura.extract`` first copies a tree it is handed (0.2-0.3 ms on a news page), so that
the caller's tree survives. The body pass parses the page for trafilatura alone and reads
nothing of it afterwards, so that copy is waste: ``fast_text(tree, url, consume=True)`` runs
the same steps as ``extract`` on ``tree`` itself, through trafilatura's internal
``trafilatura_sequence``, which its docstring says is not a stable API. trafilatura is pinned
(constraints.txt), and the internal names are looked up once at import: if one is missing or
its signature differs, every call takes the public ``extract`` path.
tests/crawler/extraction/test_fastpass.py checks both paths give the same text.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

import trafilatura
from lxml.html import HtmlElement

__all__ = ["INTERNAL_PATH", "fast_text"]

logger = logging.getLogger(__name__)

# What extract(tree, url=url, include_comments=False, fast=True, deduplicate=False) builds as
# its options: every other setting at its default.
_EXTRACT_SETTINGS: dict[str, Any] = {
    "include_comments": False,
    "fast": True,
    "deduplicate": False,
}
_SEQUENCE_PARAMETERS = ["tree", "options", "url"]
_EXTRACTOR_PARAMETERS = {"output_format", "fast", "comments", "dedup", "url"}


def _internal_path() -> tuple[Callable[..., Any], Any, Any, Any] | None:
    """trafilatura's sequence, options class, Document and output step, if they are as expected."""
    try:
        from trafilatura import core
        from trafilatura.metadata import Document
        from trafilatura.settings import Extractor

        sequence = core.trafilatura_sequence
        returnstring = core.determine_returnstring
        if list(inspect.signature(sequence).parameters) != _SEQUENCE_PARAMETERS:
            return None
        if not set(inspect.signature(Extractor).parameters) >= _EXTRACTOR_PARAMETERS:
            return None
    except (ImportError, AttributeError, TypeError, ValueError):
        return None
    return sequence, Extractor, Document, returnstring


_INTERNAL = _internal_path()
#: True when fast_text can skip trafilatura's copy of the tree (see the module docstring).
INTERNAL_PATH = _INTERNAL is not None
if not INTERNAL_PATH:
    logger.debug("trafilatura's internal sequence is not as expected: extract() copies trees")


def fast_text(tree: HtmlElement, url: str | None, *, consume: bool = False) -> str | None:
    """The text of ``extract(tree, url=url, include_comments=False, fast=True, deduplicate=False)``.

    With ``consume`` trafilatura works on ``tree`` itself (its pruning deletes elements in
    it): the caller must not read ``tree`` afterwards. Without, ``tree`` is left as it was.
    """
    if not consume or _INTERNAL is None:
        text: str | None = trafilatura.extract(tree, url=url, **_EXTRACT_SETTINGS)
        return text
    sequence, extractor, document_class, returnstring = _INTERNAL
    # The steps of trafilatura.core.bare_extraction and _internal_extraction for a tree, plain
    # text output, no metadata, language or size limits: all but the copy.
    options = extractor(output_format="txt", fast=True, comments=False, dedup=False, url=url)
    try:
        body, body_text, comments, comments_text = sequence(tree, options, options.url)
    except (TypeError, ValueError):  # what bare_extraction turns into "no text"
        return None
    too_short = len(body_text) < options.min_output_size
    if too_short and len(comments_text) < options.min_output_comm_size:
        return None
    document = document_class()
    document.raw_text, document.commentsbody, document.body = body_text, comments, body
    result: str = returnstring(document, options)
    return result
