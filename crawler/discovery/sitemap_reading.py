"""The bytes of a sitemap as a stream: gzip unpacked as it is read, never past a byte cap.

A 1.5 MB gzip file can unpack to gigabytes; reading through ``CappedStream`` keeps memory to
the parser's buffer whatever the size, and stops at the cap (sitemaps.org: 50 MB uncompressed)
with ``truncated`` set so the caller can say which file was cut and keep what came before.
"""

from __future__ import annotations

import gzip
import io
import zlib

GZIP_MAGIC = b"\x1f\x8b"


class CappedStream(io.RawIOBase):
    """A readable stream of ``body`` (gunzipped when it is gzip) that ends after ``cap`` bytes."""

    def __init__(self, body: bytes, cap: int) -> None:
        super().__init__()
        self._source: io.BufferedIOBase
        if body[:2] == GZIP_MAGIC:
            self._source = gzip.GzipFile(fileobj=io.BytesIO(body), mode="rb")
        else:
            self._source = io.BytesIO(body)
        self.cap = cap
        self.read_bytes = 0
        self.truncated = False
        self.broken: str | None = None  # why the gzip stream ended early, if it did

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = 64 * 1024 if size is None or size < 0 else size
        room = self.cap - self.read_bytes
        if room <= 0 or self.broken is not None:
            if room <= 0 and not self.truncated:
                self.truncated = self._has_more()
            return b""
        try:
            data = self._source.read(min(wanted, room))
        except (OSError, EOFError, zlib.error) as error:  # a cut or corrupt gzip stream
            self.broken = f"broken gzip data: {error}"
            return b""
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _has_more(self) -> bool:
        try:
            return bool(self._source.read(1))
        except (OSError, EOFError, zlib.error):
            return False


def first_bytes(body: bytes, size: int = 4096) -> bytes:
    """The first ``size`` bytes of the (unpacked) document: enough to tell its form."""
    return CappedStream(body, size).read(size)


def read_capped(body: bytes, cap: int) -> tuple[bytes, bool, str | None]:
    """The whole (unpacked) document up to ``cap`` bytes, whether it was cut, and any gzip error."""
    stream = CappedStream(body, cap)
    chunks = []
    while chunk := stream.read(1024 * 1024):
        chunks.append(chunk)
    return b"".join(chunks), stream.truncated, stream.broken
