"""Refuse bodies that did not arrive whole, so a cut page never becomes a version.

Scrapy already fails a response whose Content-Length was not reached or whose chunked
encoding broke off (DOWNLOAD_FAIL_ON_DATALOSS; ``crawler.fetching`` names that failure
``truncated_body``). Two cuts pass it: a body that simply ends when the connection closes (no
length announced: Scrapy flags it ``partial``), and any response when DOWNLOAD_FAIL_ON_DATALOSS
is off (flagged ``dataloss``). A compressed body carries its own end marker, so this middleware,
placed just before HttpCompressionMiddleware unpacks the body, checks that a gzip or deflate
stream ends; a ``dataloss`` response is refused outright. An uncompressed body closed without a
length cannot be told from a complete one (HTTP/1.0 servers do this) and is kept.
"""

from __future__ import annotations

import zlib
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.middlewares.refused import RequestRefused
from storage.kinds import CaptureReason

# zlib's window bits: 47 reads a gzip or zlib header (automatic), -15 raw deflate.
_WBITS = {"gzip": 47, "x-gzip": 47, "deflate": 47}
_STEP = 1024 * 1024


def compressed_stream_ended(body: bytes, encoding: str, limit: int) -> bool | None:
    """Whether a gzip/deflate ``body`` holds a whole stream; None when it cannot tell.

    Decompresses at most ``limit`` bytes of output (0: no limit) in steps and throws them away:
    a bomb is stopped by the size limit later, not here. A deflate body that is neither zlib
    nor raw deflate, or an encoding we do not know, is None (left to the decompressor).
    """
    wbits = _WBITS.get(encoding)
    if wbits is None or not body:
        return None
    for bits in (wbits, -15) if encoding == "deflate" else (wbits,):
        ended = _stream_ended(body, bits, limit)
        if ended is not None:
            return ended
    return None


def _stream_ended(body: bytes, wbits: int, limit: int) -> bool | None:
    unpacker = zlib.decompressobj(wbits)
    produced = 0
    pending = body
    try:
        while pending and not unpacker.eof:
            produced += len(unpacker.decompress(pending, _STEP))
            pending = unpacker.unconsumed_tail
            if limit and produced > limit:
                return None
    except zlib.error:
        return None
    return unpacker.eof


class TruncatedBodyMiddleware:
    """Downloader middleware: a response cut short becomes a ``truncated_body`` failure."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request: Request, response: Response) -> Response:
        if "dataloss" in response.flags:
            raise RequestRefused(
                CaptureReason.TRUNCATED_BODY,
                "the connection closed before the body the server announced was complete",
            )
        encodings = response.headers.getlist(b"Content-Encoding")
        if len(encodings) != 1 or response.status in (204, 304):
            return response
        encoding = encodings[0].decode("latin-1").strip().lower()
        if compressed_stream_ended(response.body, encoding, self.max_size) is False:
            raise RequestRefused(
                CaptureReason.TRUNCATED_BODY,
                f"the {encoding} body ended before its compressed stream did (connection cut)",
            )
        return response
