"""What a WARC revisit record confirms: a payload seen earlier in the file, or one stored here."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from crawler.extraction.errors import ExtractionError
from storage import Archive, ArticleContent
from storage.rawbodies import load_raw_body
from storage.warc import WarcPage, sha256_of_digest

Extract = Callable[[bytes, str | None, str | None], ArticleContent]

# Extracted contents kept for revisit records, by payload digest.
CACHE_SIZE = 2000
NOT_MODIFIED_PROFILE = "/revisit/server-not-modified"


def is_not_modified(record: WarcPage) -> bool:
    """A revisit of the server-not-modified profile (a 304 answer)."""
    return record.revisit and (record.profile or "").endswith(NOT_MODIFIED_PROFILE)


class RevisitPayloads:
    """Extracted contents by payload digest: remembered from the file, else read from storage.

    A revisit may point at a payload from an earlier WARC: when its digest is a sha256, the
    archive's stored bodies (addressed by sha256) are looked up and the body extracted again.
    """

    def __init__(self, archive: Archive, extract: Extract) -> None:
        self.archive = archive
        self.extract = extract
        self.seen: OrderedDict[str, ArticleContent | None] = OrderedDict()

    def remember(self, digest: str | None, content: ArticleContent | None) -> None:
        if not digest:
            return
        self.seen[digest] = content
        self.seen.move_to_end(digest)
        if len(self.seen) > CACHE_SIZE:
            self.seen.popitem(last=False)

    def content_for(self, record: WarcPage) -> ArticleContent | None:
        """The content of the payload ``record`` revisits; None when it is nowhere to be found."""
        digest = record.payload_digest or ""
        if digest in self.seen:
            return self.seen[digest]
        sha256 = sha256_of_digest(digest)
        if sha256 is None:
            return None
        with self.archive.read() as session:
            body = load_raw_body(session, sha256)
        content = None
        if body is not None:
            try:
                content = self.extract(body, record.page.final_url, record.content_type)
            except ExtractionError:
                content = None
        self.remember(digest, content)
        return content
