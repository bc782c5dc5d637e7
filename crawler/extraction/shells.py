"""App shells: pages whose article is built by their scripts, detected and read without a browser.

The rule (docs/javascript-pages.md), general and by structure and text only:

- a page is a **shell** when the text the HTML pass found is short (under ``SHELL_TEXT_CHARS``)
  and either a framework mount point (``#__next``, ``#app``, ``#root``, ``#__nuxt``,
  ``[data-reactroot]``) is empty, or the text or a ``<noscript>`` says "Loading…" or asks to
  enable JavaScript; or when the page's JSON-LD ``articleBody`` or embedded data holds far more
  prose than the HTML pass found (``FAR_MORE`` times, and ``FAR_MORE_MIN_CHARS`` more);
- the article is then recovered, in order, from JSON-LD ``articleBody``, then embedded
  framework data (``embedded.py``, ``prose.py``); a page recovered from neither raises
  ``NeedsJavaScript`` (carrying the page's AMP link, which the crawler fetches instead).

``inspect_page`` runs before the body pass (which deletes scripts) and only looks at
attributes and the first characters of scripts; JSON is decoded only for a page whose HTML
text is short (``DECODE_BELOW_CHARS``) or that shows a structural shell signal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.extraction.declarations import PageMarkup
from crawler.extraction.embedded import EmbeddedBlob, collect_blobs, decode_blob
from crawler.extraction.errors import NeedsJavaScript
from crawler.extraction.jsonld import find_main_entity, script_objects
from crawler.extraction.prose import EmbeddedArticle, find_article, html_paragraphs

__all__ = ["PageShape", "Recovery", "inspect_page", "recover_body"]

SHELL_TEXT_CHARS = 500  # HTML text shorter than this may be a shell's furniture
FAR_MORE = 3  # embedded prose this many times the HTML text is the real article ...
FAR_MORE_MIN_CHARS = 500  # ... when it is also this much longer
#: Embedded data is decoded (the costly step) only for a page whose HTML text is shorter than
#: this (a teaser at most), or that has an empty mount point or a JavaScript <noscript>.
DECODE_BELOW_CHARS = 1000
_KEEP_SHARE = 0.8  # a body read from data in place of HTML text keeps at least this much of it
_MOUNT_IDS = frozenset({"__next", "app", "root", "__nuxt", "___gatsby"})
_MOUNT_TAGS = ("div", "main", "section")  # iterated in Python: 4x faster than an XPath here
_EMPTY_MOUNT_CHARS = 200  # a mount point with less text than this holds no article
_SHELL_TEXT = re.compile(
    r"\bloading(?:\s*(?:\.\.\.|…))|\benable javascript|\bjavascript (?:is )?(?:required|disabled)"
    r"|\bturn on javascript|\brequires javascript|\bjavascript (?:must|needs to) be enabled",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PageShape:
    """What the page looked like before the body pass: the signals of a shell, and its data."""

    empty_mount: str | None = None  # the id (or attribute) of an empty mount point
    noscript_hint: bool = False
    amp_url: str | None = None
    blobs: tuple[EmbeddedBlob, ...] = ()
    article_bodies: tuple[str, ...] = field(default=(), repr=False)  # JSON-LD articleBody

    @property
    def embedded_chars(self) -> int:
        return sum(len(blob.raw) for blob in self.blobs)


@dataclass(frozen=True)
class Recovery:
    """A body recovered from the page's data, with where it came from."""

    text: str
    body_source: str  # "jsonld" or "embedded_data"
    article: EmbeddedArticle | None = None


def inspect_page(tree: HtmlElement, url: str | None, markup: PageMarkup | None = None) -> PageShape:
    """The page's shell signals and data blobs (call before the body pass deletes scripts).

    ``markup``, the page's PageMarkup if the caller has it, spares reading the tree again.
    """
    markup = markup or PageMarkup.of(tree)
    empty = next((_mount_name(e) for e in _mount_points(tree) if _is_empty(e)), None)
    noscript = any(_SHELL_TEXT.search(e.text_content() or "") for e in markup.noscripts)
    amp = next((e.get("href") for e in markup.links if _is_amp_link(e)), None)
    bodies = tuple(_jsonld_bodies(markup.scripts))
    return PageShape(
        empty_mount=empty,
        noscript_hint=noscript,
        amp_url=urljoin(url or "", str(amp).strip()) if amp else None,
        blobs=tuple(collect_blobs(markup.scripts)),
        article_bodies=bodies,
    )


def _mount_points(tree: HtmlElement) -> list[HtmlElement]:
    return [
        element
        for element in tree.iter(*_MOUNT_TAGS)
        if element.get("id") in _MOUNT_IDS or element.get("data-reactroot") is not None
    ]


def _is_amp_link(link: HtmlElement) -> bool:
    return (link.get("rel") or "").strip().lower() == "amphtml" and bool(link.get("href"))


def _mount_name(element: HtmlElement) -> str:
    ident = element.get("id")
    return f"#{ident}" if ident else "[data-reactroot]"


def _is_empty(element: HtmlElement) -> bool:
    """Less than _EMPTY_MOUNT_CHARS of text (read only until that much is found)."""
    chars = 0
    for piece in element.itertext():
        chars += len(piece.strip())
        if chars >= _EMPTY_MOUNT_CHARS:
            return False
    return True


def _jsonld_bodies(all_scripts: list[HtmlElement]) -> list[str]:
    scripts = [s for s in all_scripts if "articleBody" in (s.text or "")]
    if not scripts:
        return []
    entity = find_main_entity(list(script_objects(scripts)))
    body = entity.get("articleBody") if entity else None
    return [body] if isinstance(body, str) and body.strip() else []


def recover_body(shape: PageShape, text: str) -> Recovery | None:
    """The article from the page's data if the HTML text is a shell's (None: keep ``text``).

    Raises NeedsJavaScript for a shell whose article nothing in the page holds.
    """
    found = len(text)
    for body in shape.article_bodies:
        jsonld = "\n".join(html_paragraphs(body))
        if _far_more(len(jsonld), found) or (
            _shell_structure(shape, text) and len(jsonld) >= _KEEP_SHARE * found
        ):
            return Recovery(jsonld, "jsonld")
    if shape.blobs and (found < DECODE_BELOW_CHARS or shape.empty_mount or shape.noscript_hint):
        article = embedded_article(shape.blobs)
        if article is not None and (
            _far_more(article.prose_chars, found)
            or (_looks_like_shell(shape, text) and article.prose_chars > found)
        ):
            return Recovery(article.text, "embedded_data", article)
    if _looks_like_shell(shape, text):
        raise NeedsJavaScript(_hint(shape, text), shape.amp_url)
    return None


def _far_more(embedded_chars: int, found: int) -> bool:
    return embedded_chars >= max(FAR_MORE * found, found + FAR_MORE_MIN_CHARS)


def _shell_structure(shape: PageShape, text: str) -> bool:
    """A short text, or an empty mount point whose HTML text (read from JSON-LD by trafilatura's
    fallback) is no longer than the page's ``articleBody``."""
    return _looks_like_shell(shape, text) or shape.empty_mount is not None


def _looks_like_shell(shape: PageShape, text: str) -> bool:
    if len(text) >= SHELL_TEXT_CHARS:
        return False
    return bool(shape.empty_mount or shape.noscript_hint or _SHELL_TEXT.search(text))


def embedded_article(blobs: tuple[EmbeddedBlob, ...]) -> EmbeddedArticle | None:
    """The article the page's embedded data holds, if any (decoding every blob)."""
    values = [value for blob in blobs for value in decode_blob(blob)]
    return find_article(values) if values else None


def _hint(shape: PageShape, text: str) -> str:
    """The one-line message of a needs_javascript capture: why, and what would help."""
    if shape.empty_mount:
        why = f"an app shell ({len(text)} characters of text, empty {shape.empty_mount})"
    elif shape.noscript_hint or _SHELL_TEXT.search(text):
        why = f"an app shell ({len(text)} characters of text that ask for JavaScript)"
    else:
        why = f"an app shell ({len(text)} characters of text)"
    amp = f"; its AMP version is {shape.amp_url}" if shape.amp_url else ""
    return (
        f"{why} whose article is built by its scripts and not in its HTML or data{amp}; "
        "archiving it needs a browser (see docs/javascript-pages.md)"
    )
