"""Read JSON-LD blocks, pick the object that describes the page's article, read its values."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml.html import HtmlElement

__all__ = [
    "ARTICLE_TYPES",
    "as_list",
    "clean_text",
    "find_main_entity",
    "jsonld_objects",
    "name_of",
    "script_objects",
    "type_names",
]

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "newsarticle",
        "article",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "askpublicnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "report",
        "scholarlyarticle",
        "techarticle",
    }
)
_PAGE_TYPES = frozenset({"webpage", "itempage", "collectionpage", "videoobject", "medicalwebpage"})
_NAME_PARTS = ("givenName", "additionalName", "familyName")
_CONTROL = re.compile(r"[\x00-\x1f]")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's ld+json scripts, @graph and lists flattened."""
    return script_objects(tree.iter("script"))


def script_objects(scripts: Iterable[HtmlElement]) -> Iterator[dict[str, Any]]:
    """jsonld_objects of the ld+json scripts among ``scripts`` (any <script> elements)."""
    for script in scripts:
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        data = _loads(raw)
        if data is not None:
            yield from _flatten(data)


def _loads(raw: str) -> Any:
    for candidate in (raw, _TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", raw))):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    logger.debug("unparsable JSON-LD block (%d chars)", len(raw))
    return None


def _flatten(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _flatten(data["@graph"], depth + 1)
        main = data.get("mainEntity")
        if isinstance(main, dict):
            yield from _flatten(main, depth + 1)


def type_names(obj: dict[str, Any]) -> list[str]:
    """The object's @type values, lower-cased."""
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return [str(value).rsplit("/", 1)[-1].lower() for value in values if value]


def find_main_entity(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The article object (NewsArticle, BlogPosting, ...) if any, else a WebPage object."""
    articles = [obj for obj in objects if ARTICLE_TYPES.intersection(type_names(obj))]
    if articles:
        # Prefer the richest one: related-article teasers in the graph carry less.
        return max(articles, key=lambda obj: ("headline" in obj, len(obj)))
    pages = [obj for obj in objects if _PAGE_TYPES.intersection(type_names(obj))]
    return pages[0] if pages else None


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value that may be one item or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def name_of(value: Any) -> str | None:
    """The name of a person or organisation given as an object, a string or a list of them."""
    if isinstance(value, dict):
        given = " ".join(filter(None, (clean_text(value.get(k)) for k in _NAME_PARTS)))
        return clean_text(value.get("name")) or given or None
    if isinstance(value, list):
        return name_of(value[0]) if value else None
    return clean_text(value)


def clean_text(value: Any) -> str | None:
    """A string value (the first, of a list) with its whitespace collapsed; None if empty."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None
