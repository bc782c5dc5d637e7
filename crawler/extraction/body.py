"""Article body text: a fast trafilatura pass on a cleaned tree, a full one on signs of loss,
then a paragraph vote with two other extractors run on the same cleaned tree."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from functools import lru_cache

import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED

from crawler.extraction.boilerplate import clean_tree, filter_lines, normalise_line, text_of
from crawler.extraction.candidates import voter_texts
from crawler.extraction.ensemble import VoteRule, vote_lines
from crawler.extraction.fastpass import fast_text

__all__ = ["BodyCandidates", "body_candidates", "body_text", "extract_body", "raw_trafilatura_text"]

logger = logging.getLogger(__name__)

# Containers that hold an article body; sites often split one body into several of them
# (ads or "chunks" between), and trafilatura keeps only the first.
_BODY_CLASS = re.compile(
    r"article[-_]?body|articlebody|story[-_]?body|entry[-_]content|post[-_]content"
    r"|article[-_]{1,2}content|article[-_]text|story[-_]content|body__container",
    re.IGNORECASE,
)
# Every _BODY_CLASS alternative holds one of these words: a cheap test for the many classes
# that hold none.
_BODY_CLASS_WORDS = ("body", "content", "text")
_EMBED_QUOTE = XPath(
    'descendant-or-self::blockquote[contains(@class,"twitter-tweet")'
    ' or contains(@class,"instagram-media") or contains(@class,"tiktok-embed")]'
)
# Elements trafilatura deletes on every path before it reads any text, and whose presence
# decides nothing: its tree cleaning (MANUALLY_CLEANED) and its page-text measure (html2txt's
# basic_cleaning) both delete them. Removing them first spares its XPath passes and copies.
# JSON-LD stays (trafilatura reads it), and so does a container holding an <h1> (its
# infinite-scroll pruning asks for one).
# Menus (<nav>) go too, a quarter of a typical page's elements: its cleaning deletes them on
# every path as well, and only its measure of the page's length (html2txt, which decides on a
# retry in recall mode when the result covers little of the page) counts their words.
_UNREAD_TAGS = ("script", "style", "fencedframe", "aside", "footer", "svg", "nav")
_UNREAD_CONTAINERS = frozenset({"aside", "footer", "svg", "nav"})
# Without a paragraph outside everything trafilatura's cleaning deletes, its recall retry
# undoes the cleaning, and the elements above would be read after all.
_CLEANED_TAGS = tuple(sorted(set(MANUALLY_CLEANED)))
_EMBED_WRAPPER = re.compile(r"social|embed|tweet", re.IGNORECASE)
_TOKEN = re.compile(r"\w+")
_RECOVER_COVERED = 0.5  # a raw line this much present in our text is not missing
# Signs that the fast pass lost text, which is when the full trafilatura pass (with its
# readability/justext comparison) runs: the result is short, or covers little of the text the
# page keeps in paragraphs (those trafilatura reads: not in menus, asides or footers).
_SHORT_RESULT_CHARS = 500
_PARAGRAPH_SHARE = 0.5
_MIN_CHUNK_CHARS = 20  # an emptier "body" element is a layout marker, not a chunk of text


def raw_trafilatura_text(tree: HtmlElement, url: str | None) -> str:
    """Plain trafilatura (default settings, no comments): the baseline we must never fall below.

    ``tree`` is left as it was (trafilatura works on a copy).
    """
    text: str | None = trafilatura.extract(tree, url=url, include_comments=False)
    return text or ""


@dataclass
class BodyCandidates:
    """What the vote decides between: our pipeline's lines and the voters' texts.

    ``recovered`` are the lines the full pass put back and ``removed`` the texts the tree rules
    took out (filter_lines keeps those out of the result).
    """

    lines: list[str]
    recovered: list[str] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)
    voters: list[str] = field(default_factory=list)


def extract_body(
    tree: HtmlElement,
    url: str | None,
    title: str | None = None,
    *,
    cleanup: bool = True,
    recovery: bool = True,
    ensemble: VoteRule | None = None,
    original: Callable[[], HtmlElement] | None = None,
) -> str:
    """Article text, one paragraph per line, without headline, captions and furniture.

    ``tree`` is left as it was, unless ``original`` is given: then ``tree`` is cleaned in
    place and handed to trafilatura (no copy), and is not to be read afterwards;
    ``original()`` must return the page as parsed, for the full pass on the rare page that
    needs it. ``cleanup=False`` skips our curated boilerplate rules,
    ``recovery=False`` the full trafilatura pass. ``ensemble`` (off by default) adds the
    paragraph vote of crawler.extraction.ensemble; it is kept for measurement only: on the
    bench's held-out halves it did not beat our pass alone and it costs 1.7x the CPU
    (docs/extraction.md).
    """
    found = body_candidates(
        tree,
        url,
        cleanup=cleanup,
        recovery=recovery,
        voters=ensemble is not None,
        original=original,
    )
    return body_text(found, title, ensemble, cleanup=cleanup)


def body_text(
    found: BodyCandidates, title: str | None, rule: VoteRule | None, *, cleanup: bool = True
) -> str:
    """The article text the vote under ``rule`` (None: no vote) makes of ``found``."""
    lines = vote_lines(found.lines, found.voters, rule) if rule is not None else found.lines
    if not cleanup:
        return "\n".join(line.strip() for line in lines)
    # Recovered lines come from the uncleaned page: keep out what the tree rules removed there.
    kept = filter_lines(lines, title=title, removed=found.removed, removed_within=found.recovered)
    return "\n".join(kept)


def body_candidates(
    tree: HtmlElement,
    url: str | None,
    *,
    cleanup: bool = True,
    recovery: bool = True,
    voters: bool = True,
    original: Callable[[], HtmlElement] | None = None,
) -> BodyCandidates:
    """Run our pipeline (and, with ``voters``, the voting extractors) over ``tree``."""
    ours = tree if original is not None else deepcopy(tree)
    found = BodyCandidates([])
    if cleanup:
        found.removed = clean_tree(ours).removed_texts
    _merge_split_bodies(ours)
    _unwrap_embedded_posts(ours)
    _drop_unread(ours)
    paragraph_chars = sum(len(text_of(p)) for p in ours.iter("p"))
    # Without voters nothing reads ``ours`` after this pass: trafilatura may work on it.
    primary = fast_text(ours, url, consume=original is not None and not voters)
    found.lines = [line for line in (primary or "").splitlines() if line.strip()]
    if recovery and _looks_lossy(found.lines, paragraph_chars):
        page = original() if original is not None else tree
        found.lines, found.recovered = _recover_lines(
            found.lines, raw_trafilatura_text(page, url).splitlines()
        )
    if voters:
        found.voters = voter_texts(ours, url)  # last: the readability voter changes ``ours``
    return found


def _looks_lossy(lines: list[str], paragraph_chars: int) -> bool:
    """True if the fast pass may have missed article text (short, or little of the <p> text).

    ``paragraph_chars`` counts the paragraphs trafilatura reads, on either pass: those it
    deletes unread (see _drop_unread) cannot be missing from the fast pass.
    """
    chars = sum(len(line) for line in lines)
    return chars < _SHORT_RESULT_CHARS or chars < _PARAGRAPH_SHARE * paragraph_chars


def _drop_unread(tree: HtmlElement) -> None:
    """Delete what trafilatura would delete unread (see _UNREAD_TAGS), keeping tails as it does."""
    if not any(next(p.iterancestors(*_CLEANED_TAGS), None) is None for p in tree.iter("p")):
        return
    unread = [
        element
        for element in tree.iter(*_UNREAD_TAGS)
        if element is not tree
        and (element.tag != "script" or element.get("type") != "application/ld+json")
        and (element.tag not in _UNREAD_CONTAINERS or next(element.iter("h1"), None) is None)
    ]
    for element in unread:
        element.drop_tree()


def _merge_split_bodies(tree: HtmlElement) -> None:
    """Join sibling body chunks with the same container class into the first chunk.

    Whatever lies between two chunks (a pull quote, an inline figure) moves along with them,
    so the text keeps the order the page shows it in.
    """
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    for element in tree.iter("div", "section"):
        css = element.get("class") or ""
        if _is_body_class(css) and len(text_of(element).strip()) >= _MIN_CHUNK_CHARS:
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


@lru_cache(maxsize=4096)
def _is_body_class(css: str) -> bool:
    # Pages give many containers the same class: results are cached.
    lowered = css.lower()
    return any(word in lowered for word in _BODY_CLASS_WORDS) and bool(_BODY_CLASS.search(css))


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
