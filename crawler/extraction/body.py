"""Article body text: a fast trafilatura pass on a cleaned tree, a full one on signs of loss."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from copy import deepcopy

import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED

from crawler.extraction.boilerplate import clean_tree, filter_lines, normalise_line

__all__ = ["extract_body", "raw_trafilatura_text"]

logger = logging.getLogger(__name__)

# Containers that hold an article body; sites often split one body into several of them
# (ads or "chunks" between), and trafilatura keeps only the first.
_BODY_CLASS = re.compile(
    r"article[-_]?body|articlebody|story[-_]?body|entry[-_]content|post[-_]content"
    r"|article[-_]{1,2}content|article[-_]text|story[-_]content|body__container",
    re.IGNORECASE,
)
# Only elements whose class holds one of these words can match _BODY_CLASS.
_BODY_CLASS_CANDIDATES = XPath(
    "descendant-or-self::*[self::div or self::section][@class]"
    "[contains(translate(@class, 'BODYCNTEX', 'bodycntex'), 'body')"
    " or contains(translate(@class, 'BODYCNTEX', 'bodycntex'), 'content')"
    " or contains(translate(@class, 'BODYCNTEX', 'bodycntex'), 'text')]"
)
_EMBED_QUOTE = XPath(
    'descendant-or-self::blockquote[contains(@class,"twitter-tweet")'
    ' or contains(@class,"instagram-media") or contains(@class,"tiktok-embed")]'
)
# Elements trafilatura deletes on every path before it reads any text, and whose presence
# decides nothing: its tree cleaning (MANUALLY_CLEANED) and its page-text measure (html2txt's
# basic_cleaning) both delete them. Removing them first spares its XPath passes and copies.
# JSON-LD stays (trafilatura reads it), and so does a container holding an <h1> (its
# infinite-scroll pruning asks for one).
_UNREAD = XPath(
    'descendant::script[not(@type="application/ld+json")] | descendant::style'
    " | descendant::fencedframe"
    " | descendant::*[self::aside or self::footer or self::svg][not(descendant::h1)]"
)
# A paragraph outside everything trafilatura's cleaning deletes. Without one, its recall retry
# undoes the cleaning, and the elements above would be read after all.
_SURVIVING_PARAGRAPH = XPath(
    "descendant::p[not(ancestor::*["
    + " or ".join(f"self::{tag}" for tag in sorted(set(MANUALLY_CLEANED)))
    + "])][1]"
)
_EMBED_WRAPPER = re.compile(r"social|embed|tweet", re.IGNORECASE)
_TOKEN = re.compile(r"\w+")
_RECOVER_COVERED = 0.5  # a raw line this much present in our text is not missing
# Signs that the fast pass lost text, which is when the full trafilatura pass (with its
# readability/justext comparison) runs: the result is short, or covers little of the text the
# page keeps in paragraphs.
_SHORT_RESULT_CHARS = 500
_PARAGRAPH_SHARE = 0.5
_MIN_CHUNK_CHARS = 20  # an emptier "body" element is a layout marker, not a chunk of text


def raw_trafilatura_text(tree: HtmlElement, url: str | None) -> str:
    """Plain trafilatura (default settings, no comments): the baseline we must never fall below.

    ``tree`` is left as it was (trafilatura works on a copy).
    """
    text: str | None = trafilatura.extract(tree, url=url, include_comments=False)
    return text or ""


def extract_body(
    tree: HtmlElement,
    url: str | None,
    title: str | None = None,
    *,
    cleanup: bool = True,
    recovery: bool = True,
    original: Callable[[], HtmlElement] | None = None,
) -> str:
    """Article text, one paragraph per line, without headline, captions and furniture.

    ``tree`` is left as it was, unless ``original`` is given: then ``tree`` is cleaned in
    place (no copy) and ``original()`` must return the page as parsed, for the full pass
    on the rare page that needs it. ``cleanup=False`` skips our curated boilerplate rules and
    ``recovery=False`` the full trafilatura pass (both for measuring what they are worth).
    """
    ours = tree if original is not None else deepcopy(tree)
    removed: set[str] = set()
    if cleanup:
        removed = clean_tree(ours).removed_texts
    _merge_split_bodies(ours)
    _unwrap_embedded_posts(ours)
    paragraph_chars = sum(len(p.text_content()) for p in ours.iter("p"))
    _drop_unread(ours)
    primary: str | None = trafilatura.extract(
        ours, url=url, include_comments=False, fast=True, deduplicate=False
    )
    lines = [line for line in (primary or "").splitlines() if line.strip()]
    recovered: list[str] = []
    if recovery and _looks_lossy(lines, paragraph_chars):
        page = original() if original is not None else tree
        lines, recovered = _recover_lines(lines, raw_trafilatura_text(page, url).splitlines())
    if not cleanup:
        return "\n".join(line.strip() for line in lines)
    # Recovered lines come from the uncleaned page: keep out what the tree rules removed there.
    kept = filter_lines(lines, title=title, removed=removed, removed_within=recovered)
    return "\n".join(kept)


def _looks_lossy(lines: list[str], paragraph_chars: int) -> bool:
    """True if the fast pass may have missed article text (short, or little of the <p> text)."""
    chars = sum(len(line) for line in lines)
    return chars < _SHORT_RESULT_CHARS or chars < _PARAGRAPH_SHARE * paragraph_chars


def _drop_unread(tree: HtmlElement) -> None:
    """Delete what trafilatura would delete unread (see _UNREAD), keeping tails as it does."""
    if not _SURVIVING_PARAGRAPH(tree):
        return
    for element in _UNREAD(tree):
        element.drop_tree()


def _merge_split_bodies(tree: HtmlElement) -> None:
    """Join sibling body chunks with the same container class into the first chunk.

    Whatever lies between two chunks (a pull quote, an inline figure) moves along with them,
    so the text keeps the order the page shows it in.
    """
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    for element in _BODY_CLASS_CANDIDATES(tree):
        css = element.get("class") or ""
        if _BODY_CLASS.search(css) and len(element.text_content().strip()) >= _MIN_CHUNK_CHARS:
            groups.setdefault((element.tag, css), []).append(element)
    for chunks in groups.values():
        first = chunks[0]
        parent = first.getparent()
        for chunk in chunks[1:]:
            if chunk.getparent() is None or any(a is first for a in chunk.iterancestors()):
                continue
            if chunk.getparent() is parent:
                _absorb_siblings(first, chunk)
            else:
                first.extend(list(chunk))
                chunk.getparent().remove(chunk)


def _absorb_siblings(first: HtmlElement, last: HtmlElement) -> None:
    """Move every sibling after ``first`` up to ``last`` into ``first``, unwrapping ``last``."""
    while True:
        following = first.getnext()
        if following is None:
            return
        if following is last:
            first.extend(list(last))
            first.getparent().remove(last)
            return
        first.append(following)


def _unwrap_embedded_posts(tree: HtmlElement) -> None:
    """Keep embedded posts (tweets, Instagram) as quotes: trafilatura drops "social" blocks."""
    for quote in _EMBED_QUOTE(tree):
        quote.attrib.pop("class", None)
        parent = quote.getparent()
        while parent is not None and _EMBED_WRAPPER.search(parent.get("class") or ""):
            parent.attrib.pop("class", None)
            parent = parent.getparent()


def _shingles(text: str) -> set[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)}


def _recover_lines(ours: list[str], raw: list[str]) -> tuple[list[str], list[str]]:
    """Insert paragraphs plain trafilatura found and our run lost, at their place in order.

    Returns the merged lines and the recovered ones.
    """
    merged = list(ours)
    have = set().union(*(_shingles(line) for line in merged)) if merged else set()
    index = {normalise_line(line): i for i, line in enumerate(merged)}
    cursor = 0
    recovered: list[str] = []
    for line in raw:
        key = normalise_line(line)
        if not key:
            continue
        if key in index:
            cursor = index[key] + 1
            continue
        shingles = _shingles(line)
        if not shingles or len(shingles & have) >= _RECOVER_COVERED * len(shingles):
            continue
        merged.insert(cursor, line)
        have |= shingles
        index = {normalise_line(text): i for i, text in enumerate(merged)}
        cursor += 1
        recovered.append(line)
    if recovered:
        logger.debug("recovered %d paragraphs from plain trafilatura", len(recovered))
    return merged, recovered
