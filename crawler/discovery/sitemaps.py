"""Reading sitemaps: indexes, url sets (gzipped or not) and Google News sitemaps."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urljoin

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed


class SitemapError(ValueError):
    """The document is not a sitemap we can read."""


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    kind: Literal["sitemap", "article"]
    published_at: datetime | None
    is_news: bool = False


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.strptime(value[:10], "%Y-%m-%d")
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _ungzip(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = decompressor.decompress(body, MAX_SITEMAP_BYTES)
    except (zlib.error, gzip.BadGzipFile) as error:
        raise SitemapError(f"broken gzip sitemap: {error}") from None
    if decompressor.unconsumed_tail:
        raise SitemapError("sitemap larger than 50 MB uncompressed")
    return data


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, base_url: str) -> list[SitemapEntry]:
    """Child sitemaps (from an index) and article URLs with their newest known date."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(_ungzip(body), parser)
    except etree.XMLSyntaxError as error:
        raise SitemapError(f"not XML: {error}") from None
    if root is None or _local(root.tag) not in ("sitemapindex", "urlset"):
        raise SitemapError("not a sitemap (expected <sitemapindex> or <urlset>)")
    is_index = _local(root.tag) == "sitemapindex"
    entries = []
    for node in root:
        fields: dict[str, str] = {}
        is_news = False
        for child in node.iter():
            name = _local(child.tag)
            if name == "news":
                is_news = True
            if child.text and name in ("loc", "lastmod", "publication_date"):
                fields.setdefault(name, child.text.strip())
        if "loc" not in fields:
            continue
        published = _date(fields.get("publication_date")) or _date(fields.get("lastmod"))
        kind: Literal["sitemap", "article"] = "sitemap" if is_index else "article"
        entries.append(SitemapEntry(urljoin(base_url, fields["loc"]), kind, published, is_news))
    return entries
