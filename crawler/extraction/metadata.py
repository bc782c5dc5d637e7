"""Article metadata from JSON-LD, OpenGraph and meta declarations, then htmldate/trafilatura.

The fallbacks are the costly part of extraction, so they run only for what the page does not
declare: trafilatura's markup heuristics (crawler.extraction.fallback) when no title, author or
site name is declared, and htmldate (crawler.extraction.dates) only when the page declares no
publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extraction.bylines import markup_author, page_authors
from crawler.extraction.dates import page_dates
from crawler.extraction.declarations import PageMarkup, meta_values
from crawler.extraction.fallback import MetadataFallback
from crawler.extraction.jsonld import (
    as_list,
    clean_text,
    find_main_entity,
    name_of,
    script_objects,
)
from crawler.extraction.titles import choose_title

__all__ = ["PageMetadata", "extract_metadata"]


@dataclass
class PageMetadata:
    """Everything but the body text; each field None/empty when the page does not say."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    modified_at: datetime | None = None
    description: str | None = None
    language: str | None = None
    site_name: str | None = None
    top_image: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    paywalled: bool | None = None
    canonical_url: str | None = None
    page_type: str | None = None
    sources: dict[str, str] = field(default_factory=dict)


def extract_metadata(
    tree: HtmlElement, url: str | None = None, markup: PageMarkup | None = None
) -> PageMetadata:
    """Read the page's declarations, most explicit first (JSON-LD, OpenGraph, meta, markup).

    ``markup``, the page's PageMarkup if the caller has it, spares reading the tree again.
    """
    markup = markup or PageMarkup.of(tree)
    meta = meta_values(tree, markup.metas)
    entity = find_main_entity(list(script_objects(markup.scripts))) or {}
    result = PageMetadata()
    fallback = MetadataFallback(tree, url)
    declared_site = _first(
        name_of(entity.get("publisher")),
        *meta.get("og:site_name", []),
        *meta.get("application-name", []),
    )
    result.site_name = declared_site or fallback.get("sitename")
    result.title = _title(entity, meta, markup, fallback, result.site_name, url)
    publishers = [name_of(entity.get("publisher")), *meta.get("og:site_name", []), declared_site]
    result.authors = page_authors(entity, meta, lambda: markup_author(tree), publishers)
    dates = page_dates(tree, url, entity, meta, markup.pubdates)
    result.published_at, result.modified_at = dates.published_at, dates.modified_at
    result.sources.update(dates.sources)
    _describe(result, tree, entity, meta, markup, url)
    return result


def _title(
    entity: dict[str, Any],
    meta: dict[str, list[str]],
    markup: PageMarkup,
    fallback: MetadataFallback,
    site_name: str | None,
    url: str | None,
) -> str | None:
    declared_titles = [
        clean_text(entity.get("headline")),
        *meta.get("og:title", []),
        *meta.get("twitter:title", []),
        *meta.get("parsely-title", []),
        *meta.get("sailthru.title", []),
    ]
    title_tag = clean_text(markup.title)
    headings = [clean_text(h.text_content()) for h in markup.headings[:5]]
    return choose_title(
        declared=declared_titles,
        title_tag=title_tag,
        headings=headings,
        site_names=[site_name, *meta.get("twitter:site", []), _host_label(url)],
        fallback=None if any((*declared_titles, title_tag, *headings)) else fallback.get("title"),
    )


def _describe(
    result: PageMetadata,
    tree: HtmlElement,
    entity: dict[str, Any],
    meta: dict[str, list[str]],
    markup: PageMarkup,
    url: str | None,
) -> None:
    """Fill in what the page says about itself besides title, authors and dates."""
    result.description = _first(
        clean_text(entity.get("description")),
        *meta.get("og:description", []),
        *meta.get("description", []),
        *meta.get("twitter:description", []),
    )
    result.language = _language(tree, entity, meta)
    result.top_image = _absolute(
        _first(
            *meta.get("og:image", []),
            _image_of(entity.get("image")),
            *meta.get("twitter:image", []),
        ),
        url,
    )
    result.section = _first(
        *as_list(entity.get("articleSection")),
        *meta.get("article:section", []),
        *meta.get("parsely-section", []),
        *meta.get("section", []),
    )
    result.tags = _tags(entity, meta)
    result.paywalled = _paywalled(entity, meta)
    result.canonical_url = _absolute(
        _first(
            *markup.canonical_links,
            *meta.get("og:url", []),
        ),
        url,
    )
    types = [str(t) for t in as_list(entity.get("@type")) if t]
    result.page_type = _first(*types, *meta.get("og:type", []))


def _language(tree: HtmlElement, entity: dict[str, Any], meta: dict[str, list[str]]) -> str | None:
    declared = _first(
        clean_text(entity.get("inLanguage")),
        *tree.xpath("/html/@lang"),
        *tree.xpath("/html/@xml:lang"),
        *meta.get("content-language", []),
        *meta.get("og:locale", []),
    )
    if not declared:
        return None
    primary = re.split(r"[-_]", declared.strip())[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _tags(entity: dict[str, Any], meta: dict[str, list[str]]) -> tuple[str, ...]:
    raw: list[str] = list(meta.get("article:tag", []))
    for value in as_list(entity.get("keywords")) + meta.get("news_keywords", []):
        raw.extend(str(value).split(","))
    if not raw:
        for value in meta.get("keywords", []):
            raw.extend(value.split(","))
    tags: list[str] = []
    for tag in raw:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in (t.casefold() for t in tags):
            tags.append(tag)
    return tuple(tags[:50])


def _paywalled(entity: dict[str, Any], meta: dict[str, list[str]]) -> bool | None:
    flags = [entity.get("isAccessibleForFree")]
    flags += [
        part.get("isAccessibleForFree")
        for part in as_list(entity.get("hasPart"))
        if isinstance(part, dict)
    ]
    for flag in flags:
        if isinstance(flag, bool):
            free = flag
        elif isinstance(flag, str) and flag.strip().lower() in ("true", "false"):
            free = flag.strip().lower() == "true"
        else:
            continue
        if not free:
            return True
    tier = _first(*meta.get("article:content_tier", []))
    if tier:
        return tier.lower() in ("locked", "metered", "premium")
    return False if any(flag is True or flag == "True" for flag in flags) else None


def _image_of(value: Any) -> str | None:
    if isinstance(value, list):
        return _image_of(value[0]) if value else None
    if isinstance(value, dict):
        return clean_text(value.get("url") or value.get("contentUrl"))
    return clean_text(value)


def _first(*values: str | None) -> str | None:
    for value in values:
        cleaned = clean_text(value)
        if cleaned:
            return cleaned
    return None


def _absolute(link: str | None, base: str | None) -> str | None:
    if not link:
        return None
    return urljoin(base, link) if base else link


def _host_label(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    labels = [label for label in host.split(".") if label not in ("www", "m", "amp")]
    return labels[0] if labels else None
