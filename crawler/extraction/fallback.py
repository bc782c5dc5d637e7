"""trafilatura's metadata heuristics, as the fallback for what a page does not declare."""

from __future__ import annotations

import logging

from lxml.html import HtmlElement
from trafilatura import metadata as trafilatura_metadata

from crawler.extraction.bylines import markup_author

__all__ = ["MetadataFallback"]

logger = logging.getLogger(__name__)


class MetadataFallback:
    """trafilatura's title, author and site name heuristics, each run only when asked for.

    The same steps as trafilatura.extract_metadata without its date search (htmldate), which
    crawler.extraction.dates runs itself only for pages that declare no date. The author
    search is the costly one (bylines.markup_author, trafilatura's own in one pass), so asking
    for the site name alone does not run it.
    """

    def __init__(self, tree: HtmlElement, url: str | None) -> None:
        self._tree = tree
        self._url = url
        self._document: trafilatura_metadata.Document | None = None
        self._found: dict[str, str | None] = {}

    def get(self, key: str) -> str | None:
        """The ``title``, ``author`` or ``sitename`` trafilatura finds, or None."""
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
