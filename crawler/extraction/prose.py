"""Find an article's body in JSON by its structure: the list of text blocks with the most prose.

A body in embedded data is a list whose items are text: strings (plain or HTML), or blocks
whose text sits under a text key, possibly as spans (Portable Text and Slate ``children``,
Arc-style ``content_elements`` ``content``, rich-text ``content``/``value`` nodes, React
elements ``["$", "p", key, {"children": ...}]``). A single long HTML string (``"<p>..</p>"``)
is a body too. The candidate carrying the most prose wins; no site's paths are known here.
Headline, authors and dates are read from the nearest enclosing object that has a headline.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["EmbeddedArticle", "find_article", "html_paragraphs"]

_TEXT_KEYS = ("text", "content", "children", "value", "html", "body", "spans", "items")
_HEADLINE_KEYS = ("headline", "title")
_AUTHOR_KEYS = ("authors", "author", "byline", "credits", "by")
_PUBLISHED_KEYS = (
    "datePublished",
    "publishedAt",
    "published_at",
    "publishDate",
    "publishedDate",
    "first_publish_date",
    "display_date",
)
_MODIFIED_KEYS = ("dateModified", "updatedAt", "updated_at", "modifiedAt", "last_updated_date")
_BLOCK_BREAK = re.compile(r"<\s*(?:/p|br|/h[1-6]|/li|/blockquote|/div)\s*/?\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w{2,}")
_CODE_SYMBOLS = re.compile(r"[{}\[\]<>=;|\\$_^`~*#]")
_MAX_CODE_SHARE = 0.01  # prose has at most one such symbol in a hundred characters
_MIN_PROSE_WORDS = 5  # a paragraph has this many words; labels and buttons have fewer
_MAX_NODES = 1_000_000  # values looked at, in all: a bound for hostile or huge blobs
_MAX_DEPTH = 80
_MAX_BLOCK_DEPTH = 8
_SENTENCE_ENDS = frozenset(".!?:;\u2026\u3002")
_SENTENCE_SHARE = 0.5  # of a body's text, in paragraphs that end like sentences
_NEAR_SHARE = 0.8  # of the most prose: a candidate this close may be the body, split finer


@dataclass(frozen=True)
class EmbeddedArticle:
    """The article found in embedded data: its paragraphs and what its object says."""

    paragraphs: tuple[str, ...]
    headline: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    modified_at: datetime | None = None
    prose_chars: int = field(default=0)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def html_paragraphs(value: str) -> list[str]:
    """The paragraphs of a text that may be HTML, tags removed and entities decoded."""
    if "<" not in value:
        return [line.strip() for line in value.splitlines() if line.strip()]
    parts = _BLOCK_BREAK.split(value)
    paragraphs = (" ".join(html.unescape(_TAG.sub(" ", part)).split()) for part in parts)
    return [paragraph for paragraph in paragraphs if paragraph]


def _is_prose(paragraph: str) -> bool:
    """Sentences, not code, URLs or labels: enough words and hardly any programming symbols."""
    if len(_WORD.findall(paragraph)) < _MIN_PROSE_WORDS or "://" in paragraph[:12]:
        return False
    return len(_CODE_SYMBOLS.findall(paragraph)) <= _MAX_CODE_SHARE * len(paragraph)


class _Budget:
    """Work left for one search: every value looked at costs one (hostile or huge data stays
    bounded, shared structures of decoded Nuxt data included)."""

    def __init__(self, nodes: int) -> None:
        self.left = nodes

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _block_text(value: Any, budget: _Budget, depth: int = 0) -> str:
    """The text of one block: a string, or the text under a block's text keys (spans joined)."""
    if depth > _MAX_BLOCK_DEPTH or not budget.spend():
        return ""
    if isinstance(value, str):
        return " ".join(html_paragraphs(value))
    if isinstance(value, list):
        if len(value) == 4 and value[0] == "$" and isinstance(value[3], dict):  # React element
            return _block_text(value[3].get("children"), budget, depth + 1)
        return "".join(_block_text(item, budget, depth + 1) for item in value)
    if isinstance(value, dict):
        for key in _TEXT_KEYS:
            if key in value:
                text = _block_text(value[key], budget, depth + 1)
                if text:
                    return text
    return ""


def _candidate(value: Any, budget: _Budget) -> list[str]:
    """The prose paragraphs ``value`` holds if it is a body (a list of blocks or HTML)."""
    if isinstance(value, str):
        if "<p" not in value and "\n" not in value:
            return []
        return [p for p in html_paragraphs(value) if _is_prose(p)]
    if isinstance(value, list) and len(value) >= 1:
        if len(value) == 4 and value[0] == "$":  # one React element, not a list of blocks
            return []
        blocks = (_block_text(item, budget) for item in value if not isinstance(item, int | float))
        paragraphs = [" ".join(block.split()) for block in blocks if _is_prose(block)]
        return paragraphs if _reads_as_sentences(paragraphs) else []
    return []


def _reads_as_sentences(paragraphs: list[str]) -> bool:
    """Most of the text ends its paragraphs like sentences: a body, not a list of headlines."""
    ended = sum(len(p) for p in paragraphs if p.rstrip("\"'\u201d\u2019)")[-1:] in _SENTENCE_ENDS)
    return ended >= _SENTENCE_SHARE * sum(len(p) for p in paragraphs)


def _walk(root: Any, budget: _Budget) -> Iterator[tuple[Any, tuple[dict[str, Any], ...]]]:
    """Every value under ``root`` once (a container met again is not entered again) with the
    objects enclosing it, bounded in depth and by ``budget``."""
    stack: list[tuple[Any, tuple[dict[str, Any], ...], int]] = [(root, (), 0)]
    entered: set[int] = set()
    while stack and budget.spend():
        value, parents, depth = stack.pop()
        if isinstance(value, dict | list):
            if id(value) in entered:
                continue
            entered.add(id(value))
        yield value, parents
        if depth >= _MAX_DEPTH:
            continue
        if isinstance(value, dict):
            inner = (*parents[-6:], value)
            stack.extend((item, inner, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, parents, depth + 1) for item in value)


def find_article(values: list[Any]) -> EmbeddedArticle | None:
    """The body carrying the most prose in ``values`` (decoded JSON), with its object's fields.

    An object holding the body (or a list of such objects) also reads as a block of the
    same prose, in one paragraph; of the candidates with nearly the most prose, the one
    split into the most paragraphs is the body itself.
    """
    candidates: list[tuple[int, list[str], tuple[dict[str, Any], ...]]] = []
    budget = _Budget(_MAX_NODES)
    for root in values:
        for value, parents in _walk(root, budget):
            if isinstance(value, list | str):
                paragraphs = _candidate(value, budget)
                if paragraphs:
                    candidates.append((sum(len(p) for p in paragraphs), paragraphs, parents))
    if not candidates:
        return None
    most = max(chars for chars, _, _ in candidates)
    near = [c for c in candidates if c[0] >= _NEAR_SHARE * most]
    chars, paragraphs, parents = max(near, key=lambda c: (len(c[1]), c[0]))
    owner = _headline_owner(parents)
    return EmbeddedArticle(
        paragraphs=tuple(paragraphs),
        headline=_first_string(owner, _HEADLINE_KEYS),
        authors=_authors(owner),
        published_at=_first_date(owner, _PUBLISHED_KEYS),
        modified_at=_first_date(owner, _MODIFIED_KEYS),
        prose_chars=chars,
    )


def _headline_owner(parents: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """The nearest enclosing object with a headline, or with one in an object it holds."""
    for parent in reversed(parents):
        candidates: list[dict[str, Any]] = [parent]
        candidates.extend(v for v in parent.values() if isinstance(v, dict))
        for candidate in candidates:
            if _first_string(candidate, _HEADLINE_KEYS):
                return candidate
    return {}


def _first_string(obj: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, dict):  # {"basic": "..."} or {"text": "..."}
            value = next((v for v in value.values() if isinstance(v, str)), None)
        if isinstance(value, str) and value.strip():
            return " ".join(html.unescape(_TAG.sub(" ", value)).split())
    return None


def _authors(obj: dict[str, Any]) -> tuple[str, ...]:
    for key in _AUTHOR_KEYS:
        names = _names(obj.get(key), 0)
        if names:
            return tuple(dict.fromkeys(names))
    return ()


def _names(value: Any, depth: int) -> list[str]:
    if depth > 3 or value is None:
        return []
    if isinstance(value, str):
        name = " ".join(value.split())
        return [name] if 0 < len(name) <= 100 else []
    if isinstance(value, list):
        return [name for item in value[:20] for name in _names(item, depth + 1)]
    if isinstance(value, dict):
        for key in ("name", "displayName", "fullName", "by"):
            if key in value:
                return _names(value[key], depth + 1)
    return []


def _first_date(obj: dict[str, Any], keys: tuple[str, ...]) -> datetime | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            try:
                return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                continue
    return None
