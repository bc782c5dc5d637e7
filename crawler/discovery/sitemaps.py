"""Reading sitemaps in every form publishers serve: XML url sets and indexes (gzipped or not,
Google News and image extensions), RSS/Atom/JSON feeds named as sitemaps, and plain text.

XML is streamed (lxml ``iterparse``: each ``<url>`` is read, turned into an entry and freed),
and gzip is unpacked as it is read, so memory stays bounded whatever the file's size. The
sitemaps.org limits are enforced per file: at most ``MAX_SITEMAP_URLS`` entries and
``MAX_SITEMAP_BYTES`` uncompressed; past either the entries read so far are kept and the limit
is reported in ``SitemapDocument.limits_hit``. One malformed entry is skipped and counted
(``skipped["malformed_url"]``); the rest of the document is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from lxml import etree

from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.sitemap_reading import CappedStream, first_bytes, read_capped
from crawler.discovery.urls import MALFORMED_URL, absolute_url

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # sitemaps.org: 50 MB (52,428,800 bytes) uncompressed
MAX_SITEMAP_URLS = 50_000  # sitemaps.org: 50,000 URLs per file
FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
STRAY_ELEMENT = "stray_sitemap_element"  # a <sitemap> in a <urlset>, or a <url> in an index

Form = Literal["urlset", "sitemapindex", "feed", "text"]


class SitemapError(ValueError):
    """The document is not a sitemap in any form we read."""


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    kind: Literal["sitemap", "article"]
    published_at: datetime | None
    is_news: bool = False


@dataclass
class SitemapDocument:
    """What one sitemap file lists, what was skipped in it (by reason) and which limits it hit."""

    form: Form
    entries: list[SitemapEntry] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    limits_hit: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def parse_date(text: str | None) -> datetime | None:
    """A W3C datetime (``2026-11-24``, ``2026-11-24T10:00:00+01:00``) as an aware datetime."""
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


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _namespace(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _start(body: bytes) -> bytes:
    return first_bytes(body).lstrip(b"\xef\xbb\xbf \t\r\n")


def open_sitemap(
    body: bytes,
    base_url: str,
    *,
    max_urls: int = MAX_SITEMAP_URLS,
    max_bytes: int = MAX_SITEMAP_BYTES,
) -> tuple[SitemapDocument, Iterator[SitemapEntry]]:
    """A sitemap's form, and its entries read lazily (an XML file is parsed as they are taken).

    ``SitemapError`` now if the document is no sitemap in any form, or from the iterator if
    XML breaks off before its first entry. The document's ``skipped`` and ``limits_hit`` are
    complete once the iterator is exhausted; its ``entries`` stay empty (see ``parse_sitemap``).
    """
    start = _start(body)
    if start[:1] == b"<":
        name, namespace = _root_of(body)
        if name in ("urlset", "sitemapindex"):
            document = SitemapDocument(form=name)  # type: ignore[arg-type]
            return document, _xml(document, body, namespace, base_url, max_urls, max_bytes)
        if name not in FEED_ROOTS:
            raise SitemapError(f"not a sitemap: the document is <{name or '?'}>")
    if start[:1] in (b"{", b"[", b"<"):
        document = _feed(body, base_url, max_urls, max_bytes)
    else:
        document = _text(body, base_url, max_urls, max_bytes)
    entries, document.entries = document.entries, []
    return document, iter(entries)


def parse_sitemap(
    body: bytes,
    base_url: str,
    *,
    max_urls: int = MAX_SITEMAP_URLS,
    max_bytes: int = MAX_SITEMAP_BYTES,
) -> SitemapDocument:
    """The entries of a sitemap in any accepted form; ``SitemapError`` if it is none of them."""
    document, entries = open_sitemap(body, base_url, max_urls=max_urls, max_bytes=max_bytes)
    document.entries = list(entries)
    return document


def _too_many(document: SitemapDocument, count: int, max_urls: int) -> bool:
    if count < max_urls:
        return False
    document.limits_hit.append(f"lists more than {max_urls:,} URLs: read the first {max_urls:,}")
    document.skip("sitemap_url_limit")
    return True


def _cut(document: SitemapDocument, max_bytes: int) -> None:
    document.limits_hit.append(
        f"larger than {max_bytes:,} bytes uncompressed: read the first {max_bytes:,}"
    )
    document.skip("sitemap_size_limit")


def _root_of(body: bytes) -> tuple[str, str]:
    """The local name and namespace of the document's root element (from its first bytes)."""
    start = CappedStream(body, 64 * 1024)
    try:
        for _, element in etree.iterparse(
            start, events=("start",), resolve_entities=False, no_network=True, recover=True
        ):
            return _local(element.tag), _namespace(element.tag)
    except etree.XMLSyntaxError:
        pass
    raise SitemapError(start.broken or "not a sitemap: no XML root element")


def _entries(stream: CappedStream) -> Iterator[etree._Element]:
    """Each ``<url>`` and ``<sitemap>`` element as it ends, the document never held whole."""
    events = etree.iterparse(
        stream,
        events=("end",),
        tag=("{*}url", "{*}sitemap"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _, element in events:
            yield element
    except etree.XMLSyntaxError:  # the document stops being XML: keep what came before
        return


def _xml(
    document: SitemapDocument,
    body: bytes,
    namespace: str,
    base_url: str,
    max_urls: int,
    max_bytes: int,
) -> Iterator[SitemapEntry]:
    """The entries of a url set or index, each freed once taken."""
    stream = CappedStream(body, max_bytes)
    count = 0
    for element in _entries(stream):
        parent = element.getparent()
        if parent is None or parent.getparent() is not None:
            continue  # not a child of the root (a <url> nested in something else)
        if _too_many(document, count, max_urls):
            break
        entry = _take(document, element, namespace, base_url)
        element.clear()
        while element.getprevious() is not None:
            del parent[0]
        if entry is not None:
            count += 1
            yield entry
    if stream.truncated:
        _cut(document, max_bytes)
    elif stream.broken and not count:
        raise SitemapError(stream.broken)


def _take(
    document: SitemapDocument, element: etree._Element, namespace: str, base: str
) -> SitemapEntry | None:
    """One child of the root as an entry (None: a counted skip)."""
    expected = "url" if document.form == "urlset" else "sitemap"
    if _local(element.tag) != expected:
        document.skip(STRAY_ELEMENT)
        return None
    # Only the entry's own <loc>: an <image:loc> or <video:loc> sits one level deeper, in
    # another namespace, and may come first.
    loc = next(element.iterchildren(f"{{{namespace}}}loc"), None)
    if loc is None:
        loc = next(element.iterchildren("{*}loc"), None)
    url = absolute_url(loc.text if loc is not None else None, base)
    if url is None:
        document.skip(MALFORMED_URL if loc is not None else "entry_without_loc")
        return None
    fields: dict[str, str] = {}
    is_news = False
    for child in element.iterdescendants("{*}lastmod", "{*}publication_date", "{*}news"):
        name = _local(child.tag)
        is_news = is_news or name == "news"
        if child.text and name != "news":
            fields.setdefault(name, child.text)
    published = parse_date(fields.get("publication_date")) or parse_date(fields.get("lastmod"))
    kind: Literal["sitemap", "article"] = "sitemap" if expected == "sitemap" else "article"
    return SitemapEntry(url, kind, published, is_news)


def _feed(body: bytes, base_url: str, max_urls: int, max_bytes: int) -> SitemapDocument:
    """An RSS, Atom or JSON feed given as a sitemap: its entries are the articles."""
    data, truncated, broken = read_capped(body, max_bytes)
    try:
        feed = parse_feed(data, base_url)
    except FeedError as error:
        raise SitemapError(broken or f"not a sitemap: {error}") from None
    document = SitemapDocument(form="feed", skipped=dict(feed.skipped))
    for entry in feed.entries:
        if _too_many(document, len(document.entries), max_urls):
            break
        document.entries.append(SitemapEntry(entry.url, "article", entry.published_at))
    if truncated:
        _cut(document, max_bytes)
    return document


def _text(body: bytes, base_url: str, max_urls: int, max_bytes: int) -> SitemapDocument:
    """A text sitemap: one absolute URL per line (UTF-8); blank lines are ignored."""
    data, truncated, broken = read_capped(body, max_bytes)
    document = SitemapDocument(form="text")
    for line in data.decode("utf-8-sig", "replace").splitlines():
        text = line.strip()
        if not text:
            continue
        looks_like_url = "://" in text[:12]
        if not (looks_like_url or document.entries or document.skipped):
            raise SitemapError(broken or "not a sitemap: neither XML, a feed nor URL lines")
        url = absolute_url(text, base_url) if looks_like_url else None
        if url is None:
            document.skip(MALFORMED_URL)
            continue
        if _too_many(document, len(document.entries), max_urls):
            break
        document.entries.append(SitemapEntry(url, "article", None))
    if not document.entries and not document.skipped:
        raise SitemapError(broken or "not a sitemap: empty document")
    if truncated:
        _cut(document, max_bytes)
    return document
