"""A page's authors: declared names split into people, and the byline found in the markup.

``page_authors`` takes the JSON-LD people, else the author meta tags, else the markup byline,
else the JSON-LD organisations, and splits each into names (``split_names``).

``markup_author`` is trafilatura's extract_author, in one pass and no copy.
trafilatura.metadata.extract_author copies the tree, deletes comment lists, sidebars, figures,
dates and the like (AUTHOR_DISCARD_XPATHS), then tries three XPath rule sets of falling
specificity (AUTHOR_XPATHS) and takes the first element whose text is 3 to 119 characters.
Its XPaths call back into Python for every element they test; here the same rules run on
the attributes of each element once, and the deletions are simulated when reading the text.
The rules are copied from trafilatura 2; tests/crawler/extraction/test_bylines.py compares the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors

from crawler.extraction.jsonld import as_list, name_of
from crawler.extraction.names import split_names

__all__ = ["markup_author", "page_authors", "split_names"]

_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "byl",
)


def page_authors(
    entity: dict[str, Any],
    meta: dict[str, list[str]],
    markup_byline: Callable[[], str | None],
    site_names: list[str | None],
) -> tuple[str, ...]:
    """The page's byline as display names, each once: people, agencies and newsrooms alike.

    ``entity`` is the JSON-LD article, ``meta`` the meta tags by lower-cased name;
    ``markup_byline`` (costly: called only when needed) gives the markup's "; "-joined byline;
    ``site_names`` the publisher's names (JSON-LD publisher, og:site_name). The JSON-LD author
    (people and organisations, in its order) comes first, then the first author meta tag that
    names someone, then the markup. When the declared author is only the publisher's own name,
    the schema field was filled with the site name: a byline in the markup that names a
    person replaces it; without one, the publisher's name is kept as a newsroom byline.
    """
    candidates = [
        name
        for author in as_list(entity.get("author")) + as_list(entity.get("creator"))
        if (name := name_of(author))
    ]
    for key in _AUTHOR_META:  # the first author meta tag that names someone
        if not _names_in(candidates):
            candidates = meta.get(key, [])
    names = _names_in(candidates)
    sites = {key for name in site_names if name for key in _site_keys(name)}
    if names and not all(_is_site(name, sites) for name in names):
        return tuple(names)
    shown = _names_in([name for name in (markup_byline() or "").split("; ") if name])
    people = [name for name in shown if not _is_site(name, sites)]
    if not names or any(_looks_like_a_person(name) for name in people):
        return tuple(people if names else shown)
    return tuple(names)


def _site_keys(name: str) -> set[str]:
    """The name without case and punctuation, with and without a trailing domain ending."""
    name = name.casefold().strip().removeprefix("@")
    keys = {"".join(_WORD.findall(name)), "".join(_WORD.findall(_DOMAIN_ENDING.sub("", name)))}
    return keys - {""}


def _is_site(name: str, sites: set[str]) -> bool:
    """The name is the publisher's ("DER SPIEGEL" for "Der Spiegel", "mdr.de" for "MDR")."""
    return not _site_keys(name).isdisjoint(sites)


def _looks_like_a_person(name: str) -> bool:
    """Two or more words, or a name in a script written without spaces (CJK)."""
    return len(name.split()) >= 2 or bool(_UNSPACED_SCRIPT.search(name))


def _names_in(candidates: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for raw in candidates:
        for name in split_names(raw):
            key = _name_key(name)
            if key not in seen:
                seen.add(key)
                names.append(name)
    return names


_WORD = re.compile(r"\w+")
_DOMAIN_ENDING = re.compile(r"\.[a-z]{2,6}$")
_UNSPACED_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


_MIN_CHARS, _MAX_CHARS = 3, 119  # extract_metainfo's 2 < len(text) < 120

# AUTHOR_DISCARD_XPATHS: elements deleted (keeping their tails) before the search.
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_CLASSES = frozenset({"comments", "title", "date"})
_DISCARD_ID = re.compile(r"^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    r"^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    r"|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_ALWAYS_DISCARDED = frozenset({"time", "figure"})

# AUTHOR_XPATHS, in order: specific, generic, any element.
_SPECIFIC_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_SPECIFIC_CLASS = re.compile(r"author-?name|AuthorName|authorName")
_GENERIC_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_GENERIC_CLASSES = frozenset({"byline", "username", "byl", "BBL"})
_GENERIC_ID = re.compile(r"author|zuozhe|bianji|xiaobian")
_GENERIC_CLASS = re.compile(
    r"author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_ANY_ID = re.compile(r"[Aa]uthor")
_ANY_CLASS = re.compile(r"[Aa]uthor|screenname|writer|[Bb]yline")


# Every attribute and element the rules look at, in document order, in one XPath pass;
# elements without them (most of the page) never reach Python.
_RELEVANT = XPath(
    " | ".join(
        f"descendant-or-self::*/@{name}"
        for name in ("class", "id", "itemprop", "rel", "data-testid", "data-component")
    )
    + " | descendant-or-self::author | descendant::time | descendant::figure"
    + " | descendant::rel[. = 'me']/.."  # rel='me' (sic) in AUTHOR_XPATHS: a child <rel>
)


def markup_author(tree: HtmlElement) -> str | None:
    """What trafilatura.metadata.extract_author(tree) returns ("; "-joined names), or None."""
    dropped: set[HtmlElement] = set()
    # Each rule is a disjunction over single attributes, so each attribute can decide alone.
    ranked: tuple[dict[HtmlElement, None], ...] = ({}, {}, {})
    for node in _RELEVANT(tree):
        if isinstance(node, HtmlElement):  # <time>, <figure>, <author> or rel='me'
            element = node
            discard = node.tag in _ALWAYS_DISCARDED
            specific, generic, anywhere = not discard, False, False
        else:  # an attribute value
            element = node.getparent()
            discard, specific, generic, anywhere = _attribute_rules(node.attrname, node)
        tag = element.tag
        if discard and (tag in _DISCARD_TAGS or tag in _ALWAYS_DISCARDED) and element is not tree:
            dropped.add(element)  # (the root stays: trafilatura cannot delete it)
        if specific and (tag in _SPECIFIC_TAGS or tag == "author"):
            ranked[0][element] = None
        if generic and tag in _GENERIC_TAGS:
            ranked[1][element] = None
        if anywhere:
            ranked[2][element] = None
    for candidates in ranked:
        for element in candidates:
            if _inside(element, dropped, tree):
                continue
            text = " ".join(" ".join(_kept_text(element, dropped)).split())
            if _MIN_CHARS <= len(text) <= _MAX_CHARS:
                author: str | None = normalize_authors(None, text)
                return author
    return None


def _attribute_rules(name: str, value: str) -> tuple[bool, bool, bool, bool]:
    """Whether an attribute makes its element discarded, a specific, generic or any byline.

    Tags are left to the caller: each rule set applies to some tags only.
    """
    if name == "class":
        return _class_rules(value)
    if name == "id":
        return _id_rules(value)
    if name == "itemprop":
        return False, value == "author name", "author" in value, "author" in value
    if name == "data-component":
        return "Figure" in value, False, False, "Byline" in value
    if name == "rel":
        return False, value == "author", False, False
    return False, value in ("AuthorCard", "AuthorURL"), False, False  # data-testid


@lru_cache(maxsize=4096)
def _class_rules(css: str) -> tuple[bool, bool, bool, bool]:
    # Pages give many elements the same class: results are cached.
    return (
        css in _DISCARD_CLASSES or bool(_DISCARD_CLASS.search(css)),
        css == "author" or bool(_SPECIFIC_CLASS.search(css)),
        css in _GENERIC_CLASSES or bool(_GENERIC_CLASS.search(css)),
        bool(_ANY_CLASS.search(css)),
    )


@lru_cache(maxsize=4096)
def _id_rules(ident: str) -> tuple[bool, bool, bool, bool]:
    return (
        ident == "comments" or bool(_DISCARD_ID.search(ident)),
        ident == "author",
        bool(_GENERIC_ID.search(ident)),
        bool(_ANY_ID.search(ident)),
    )


def _inside(element: HtmlElement, dropped: set[HtmlElement], tree: HtmlElement) -> bool:
    """True if ``element`` or an ancestor up to ``tree`` was deleted."""
    for node in (element, *element.iterancestors()):
        if node in dropped:
            return True
        if node is tree:
            return False
    return False


def _kept_text(element: HtmlElement, dropped: set[HtmlElement]) -> Iterator[str]:
    """``element.itertext()`` as it reads once ``dropped`` are deleted, their tails kept.

    A deleted element's tail joins the text before it (the previous sibling's tail, or the
    parent's text) without a separator, as trafilatura's delete_element joins them.
    """
    pending = element.text or ""
    for child in element:
        if child in dropped:
            pending += child.tail or ""
            continue
        yield pending
        yield from _kept_text(child, dropped)
        pending = child.tail or ""
    yield pending
