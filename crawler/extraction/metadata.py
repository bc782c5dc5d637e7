"""Article metadata from JSON-LD, OpenGraph and meta declarations, then htmldate/trafilatura.

The fallbacks are the costly part of extraction, so they run only for what the page does not
declare: trafilatura's markup heuristics when no title, author or site name is declared, and
htmldate only when the page declares no publication date.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura import metadata as trafilatura_metadata

from crawler.extraction.bylines import markup_author
from crawler.extraction.dates import parse_date
from crawler.extraction.jsonld import find_main_entity, script_objects, type_names
from crawler.extraction.titles import choose_title

__all__ = ["PageMetadata", "extract_metadata"]

logger = logging.getLogger(__name__)

_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "dcterms.issued",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "originalpublicationdate",
    "datecreated",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "article.updated",
    "lastmod",
)
_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "byl",
)
_BY = re.compile(
    r"^\s*(?:(?:written|posted|reported)\s+)?(?:by|von|par|por|door|di)(?::\s*|\s+)", re.IGNORECASE
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|&|\band\b|\bund\b|\bet\b|\by\b|\|)\s*", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"@|https?:|www\.|\d|^(?:staff|admin|editor|reporter|guest)$", re.I)
_NAME_PARTICLES = frozenset(
    {
        "de",
        "da",
        "di",
        "del",
        "della",
        "der",
        "den",
        "van",
        "von",
        "la",
        "le",
        "al",
        "bin",
        "ibn",
        "y",
    }
)
_ROLE_SUFFIX = re.compile(r"\s+(?:for|at|from)\s+[A-Z][\w .'-]*$")


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


def extract_metadata(tree: HtmlElement, url: str | None = None) -> PageMetadata:
    """Read the page's declarations, most explicit first (JSON-LD, OpenGraph, meta, markup)."""
    markup = _Markup.of(tree)
    meta = _meta_values(tree, markup.metas)
    entity = find_main_entity(list(script_objects(markup.scripts))) or {}
    result = PageMetadata()
    fallback = _Fallback(tree, url)
    declared_site = _first(
        _name_of(entity.get("publisher")),
        *meta.get("og:site_name", []),
        *meta.get("application-name", []),
    )
    result.site_name = declared_site or fallback.get("sitename")
    declared_titles = [
        _text(entity.get("headline")),
        *meta.get("og:title", []),
        *meta.get("twitter:title", []),
        *meta.get("parsely-title", []),
        *meta.get("sailthru.title", []),
    ]
    title_tag = _text(markup.title)
    headings = [_text(h.text_content()) for h in markup.headings[:5]]
    result.title = choose_title(
        declared=declared_titles,
        title_tag=title_tag,
        headings=headings,
        site_names=[result.site_name, *meta.get("twitter:site", []), _host_label(url)],
        fallback=None if any((*declared_titles, title_tag, *headings)) else fallback.get("title"),
    )
    result.authors = _authors(entity, meta, fallback, result.site_name)
    latest = datetime.now(UTC) + timedelta(days=2)
    result.published_at = _first_date(
        [entity.get("datePublished"), entity.get("dateCreated")]
        + [value for key in _PUBLISHED_META for value in meta.get(key, [])]
        + markup.pubdates,
        latest,
    )
    result.modified_at = _first_date(
        [entity.get("dateModified")]
        + [value for key in _MODIFIED_META for value in meta.get(key, [])],
        latest,
    )
    if result.published_at is None:
        # No declared publication date: ask htmldate (the costly part of metadata). A page that
        # declares none of its dates gets htmldate's guess at a modification date too.
        declared_modified = result.modified_at is not None
        result.published_at = parse_date(_htmldate(tree, url, original=True), latest)
        result.sources["published_at"] = "htmldate"
        if not declared_modified:
            modified = parse_date(_htmldate(tree, url, original=False), latest)
            if modified and result.published_at and modified > result.published_at:
                result.modified_at = modified
                result.sources["modified_at"] = "htmldate"
    result.description = _first(
        _text(entity.get("description")),
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
        *_as_list(entity.get("articleSection")),
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
    types = [str(t) for t in _as_list(entity.get("@type")) if t]
    result.page_type = _first(*types, *meta.get("og:type", []))
    return result


@dataclass
class _Markup:
    """The elements and attributes metadata reads, in document order, from one pass."""

    metas: list[HtmlElement] = field(default_factory=list)  # <meta content=...>
    scripts: list[HtmlElement] = field(default_factory=list)
    title: str | None = None  # the first <title> in a <head>
    headings: list[HtmlElement] = field(default_factory=list)  # <h1>
    pubdates: list[str] = field(default_factory=list)  # <time pubdate datetime=...>
    canonical_links: list[str] = field(default_factory=list)  # <link rel=canonical href=...>

    @classmethod
    def of(cls, tree: HtmlElement) -> _Markup:
        found = cls()
        for element in tree.iter("meta", "script", "title", "h1", "time", "link"):
            tag = element.tag
            if tag == "meta":
                if element.get("content") is not None:
                    found.metas.append(element)
            elif tag == "script":
                found.scripts.append(element)
            elif tag == "h1":
                found.headings.append(element)
            elif tag == "title":
                parent = element.getparent()
                if found.title is None and parent is not None and parent.tag == "head":
                    found.title = element.text_content()
            elif tag == "time":
                datetime_value = element.get("datetime")
                if element.get("pubdate") is not None and datetime_value is not None:
                    found.pubdates.append(datetime_value)
            elif (element.get("rel") or "").lower() == "canonical":
                href = element.get("href")
                if href is not None:
                    found.canonical_links.append(href)
        return found


_ITEMPROPS = XPath("descendant-or-self::*/@itemprop")


def _meta_values(tree: HtmlElement, metas: list[HtmlElement]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for element in metas:
        key = element.get("property") or element.get("name") or element.get("itemprop")
        key = key or element.get("http-equiv")
        content = (element.get("content") or "").strip()
        if key and content:
            values.setdefault(key.strip().lower(), []).append(content)
    for itemprop in _ITEMPROPS(tree):
        prop = itemprop.lower()
        if prop not in ("datepublished", "datemodified"):
            continue
        element = itemprop.getparent()
        if element.tag != "meta":
            value = element.get("datetime") or element.get("content") or element.text_content()
            values.setdefault(prop, []).append(value.strip())
    return values


class _Fallback:
    """trafilatura's title, author and site name heuristics, each run only when asked for.

    The same steps as trafilatura.extract_metadata without its date search (htmldate), which
    this module runs itself only for pages that declare no date. The author search is the
    costly one (bylines.markup_author, trafilatura's own in one pass), so asking for the site
    name alone does not run it.
    """

    def __init__(self, tree: HtmlElement, url: str | None) -> None:
        self._tree = tree
        self._url = url
        self._document: trafilatura_metadata.Document | None = None
        self._found: dict[str, str | None] = {}

    def get(self, key: str) -> str | None:
        if key not in self._found:
            self._found[key] = self._run(key)
        return self._found[key]

    def _run(self, key: str) -> str | None:
        try:
            document = self._declared()
            if key == "title":
                value = document.title or trafilatura_metadata.extract_title(self._tree)
            elif key == "author":
                value = document.author or markup_author(self._tree)
            else:
                value = self._site_name(
                    document.sitename or trafilatura_metadata.extract_sitename(self._tree)
                )
        except Exception:  # trafilatura's metadata code has no error contract of its own
            logger.debug("trafilatura metadata failed for %s", self._url, exc_info=True)
            return None
        return " ".join(value.split()) or None if value else None

    def _declared(self) -> trafilatura_metadata.Document:
        """What trafilatura reads from meta tags and JSON-LD (once per page)."""
        if self._document is None:
            document = trafilatura_metadata.examine_meta(self._tree)
            if document.author and " " not in document.author:
                document.author = None
            self._document = trafilatura_metadata.extract_meta_json(self._tree, document)
        return self._document

    def _site_name(self, site: str | None) -> str | None:
        if site:
            site = site.lstrip("@")
            if site and "." not in site and not site[0].isupper():
                site = site.title()
            return site
        if self._url:
            match = trafilatura_metadata.META_URL.match(self._url)
            return match[1] if match else None
        return None


def _htmldate(tree: HtmlElement, url: str | None, *, original: bool) -> str | None:
    try:
        found = find_date(tree, url=url, original_date=original, extensive_search=False)
    except Exception:  # htmldate raises assorted errors on odd markup
        logger.debug("htmldate failed for %s", url, exc_info=True)
        return None
    return str(found) if found else None


def _authors(
    entity: dict[str, Any], meta: dict[str, list[str]], fallback: _Fallback, site: str | None
) -> tuple[str, ...]:
    people: list[str] = []
    organisations: list[str] = []
    for author in _as_list(entity.get("author")) + _as_list(entity.get("creator")):
        name = _name_of(author)
        if not name:
            continue
        is_org = isinstance(author, dict) and "organization" in type_names(author)
        (organisations if is_org else people).append(name)
    candidates = people
    if not candidates:
        candidates = [value for key in _AUTHOR_META for value in meta.get(key, [])]
    if not candidates:
        candidates = [name for name in (fallback.get("author") or "").split("; ") if name]
    if not candidates:
        candidates = organisations
    names: list[str] = []
    seen: set[str] = set()
    site_key = (site or "").casefold()
    for raw in candidates:
        for name in _split_names(raw):
            key = name.casefold()
            if key not in seen and key != site_key:
                seen.add(key)
                names.append(name)
    return tuple(names)


def _split_names(raw: str) -> list[str]:
    raw = _BY.sub("", " ".join(raw.split()))
    names = []
    for part in _AUTHOR_SPLIT.split(raw):
        part = _ROLE_SUFFIX.sub("", _BY.sub("", part)).strip(" .-–—|")
        words = part.split()
        if not part or _NOT_A_NAME.search(part) or not 1 <= len(words) <= 5:
            continue
        if any(word[0].islower() and word not in _NAME_PARTICLES for word in words):
            continue  # "the defense ministries" is a phrase, not a person
        names.append(part)
    return names


def _first_date(values: list[Any], latest: datetime) -> datetime | None:
    for value in values:
        parsed = parse_date(value, latest)
        if parsed is not None:
            return parsed
    return None


def _language(tree: HtmlElement, entity: dict[str, Any], meta: dict[str, list[str]]) -> str | None:
    declared = _first(
        _text(entity.get("inLanguage")),
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
    for value in _as_list(entity.get("keywords")) + meta.get("news_keywords", []):
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
        for part in _as_list(entity.get("hasPart"))
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


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _name_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("name"))
    if isinstance(value, list):
        return _name_of(value[0]) if value else None
    return _text(value)


def _image_of(value: Any) -> str | None:
    if isinstance(value, list):
        return _image_of(value[0]) if value else None
    if isinstance(value, dict):
        return _text(value.get("url") or value.get("contentUrl"))
    return _text(value)


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _first(*values: str | None) -> str | None:
    for value in values:
        cleaned = _text(value)
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
