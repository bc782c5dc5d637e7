"""What a page declares in its markup: meta tags, scripts, <title>, <h1>, dates, canonical links."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml.etree import XPath
from lxml.html import HtmlElement

__all__ = ["PageMarkup", "meta_values"]


@dataclass
class PageMarkup:
    """The elements and attributes metadata reads, in document order, from one pass."""

    metas: list[HtmlElement] = field(default_factory=list)  # <meta content=...>
    scripts: list[HtmlElement] = field(default_factory=list)
    title: str | None = None  # the first <title> in a <head>
    headings: list[HtmlElement] = field(default_factory=list)  # <h1>
    pubdates: list[str] = field(default_factory=list)  # <time pubdate datetime=...>
    canonical_links: list[str] = field(default_factory=list)  # <link rel=canonical href=...>
    links: list[HtmlElement] = field(default_factory=list)  # every <link>
    noscripts: list[HtmlElement] = field(default_factory=list)

    @classmethod
    def of(cls, tree: HtmlElement) -> PageMarkup:
        """Read ``tree`` once."""
        found = cls()
        for element in tree.iter("meta", "script", "title", "h1", "time", "link", "noscript"):
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
            elif tag == "noscript":
                found.noscripts.append(element)
            else:
                found.links.append(element)
                if (element.get("rel") or "").lower() == "canonical":
                    href = element.get("href")
                    if href is not None:
                        found.canonical_links.append(href)
        return found


_ITEMPROPS = XPath("descendant-or-self::*/@itemprop")


def meta_values(tree: HtmlElement, metas: list[HtmlElement]) -> dict[str, list[str]]:
    """The content of each meta tag by lower-cased name, plus itemprop date elements' values."""
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
