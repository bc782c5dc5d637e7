"""Reading a WARC file whatever it holds: each whole record, or its byte offset and why not.

A WARC file is a series of records (``WARC/1.x`` headers, a blank line, ``Content-Length``
bytes, two line ends), each gzipped on its own in a ``.warc.gz``. This reader frames the records
itself, so one broken record (garbage, a wrong or absurd Content-Length, a corrupt or cut gzip
member) is reported with its offset and skipped, and reading goes on at the next record start.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_RECORD_BYTES = 64 * 1024 * 1024  # a larger record is skipped, never read into memory
MAX_HEADER_BYTES = 256 * 1024
CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."


@dataclass(frozen=True)
class UnreadableRecord:
    """Bytes at ``offset`` that are not a whole WARC record, and why (the rest is read on)."""

    offset: int
    reason: str


@dataclass(frozen=True)
class RawRecord:
    """One whole record's bytes (uncompressed), and the offset of its start in the file."""

    offset: int
    data: bytes


def warc_records(stream: BinaryIO) -> Iterator[RawRecord | UnreadableRecord]:
    """Every record of a seekable WARC or WARC.gz stream, or where and why it is unreadable."""
    stream.seek(0)
    start = stream.read(len(WARC_MAGIC))
    stream.seek(0)
    if start.startswith(GZIP_MAGIC):
        yield from _gzip_members(stream, 0)
        return
    if start.lstrip() and WARC_MAGIC.startswith(start.lstrip()[:7]):  # the usual plain WARC
        yield from _plain_records(stream, base=None)
        return
    member = _find(stream, GZIP_MAGIC, 0, line_start=False)
    record = _find(stream, WARC_MAGIC, 0, line_start=True)
    if member is not None and (record is None or member < record):
        # A .warc.gz whose start is damaged: the first whole gzip member is where it goes on.
        yield UnreadableRecord(0, "not a WARC record or gzip member")
        yield from _gzip_members(stream, member)
        return
    yield from _plain_records(stream, base=None)


def _find(stream: BinaryIO, needle: bytes, start: int, *, line_start: bool) -> int | None:
    """The offset of the next ``needle`` at or after ``start`` (at a line's start), or None."""
    position = start
    stream.seek(position)
    carry = b""
    while chunk := stream.read(CHUNK):
        window = carry + chunk
        window_start = position - len(carry)
        found = _find_in(window, needle, line_start=line_start, at_start=window_start == start)
        if found is not None:
            return window_start + found
        carry = window[-len(needle) :]
        position += len(chunk)
    return None


def _find_in(window: bytes, needle: bytes, *, line_start: bool, at_start: bool) -> int | None:
    if not line_start:
        found = window.find(needle)
        return None if found < 0 else found
    if at_start and window.startswith(needle):
        return 0
    found = window.find(b"\n" + needle)
    return None if found < 0 else found + 1


def _plain_records(stream: BinaryIO, base: int | None) -> Iterator[RawRecord | UnreadableRecord]:
    """Records of an uncompressed stream; ``base`` names a gzip member's offset (one report)."""
    position = 0
    stream.seek(0, 2)
    size = stream.tell()
    while position < size:
        stream.seek(position)
        skipped = _blank_lines(stream)
        position += skipped
        if position >= size:
            return
        outcome = _one_record(stream, position, size)
        if isinstance(outcome, RawRecord):
            yield RawRecord(base if base is not None else outcome.offset, outcome.data)
            position = stream.tell()
            continue
        yield UnreadableRecord(base if base is not None else outcome.offset, outcome.reason)
        following = _find(stream, WARC_MAGIC, position + 1, line_start=True)
        if following is None:
            return
        position = following


def _blank_lines(stream: BinaryIO) -> int:
    skipped = 0
    while True:
        at = stream.tell()
        line = stream.readline(CHUNK)
        if not line or line.strip():
            stream.seek(at)
            return skipped
        skipped += len(line)


def _one_record(stream: BinaryIO, position: int, size: int) -> RawRecord | UnreadableRecord:
    """The record starting at ``position`` (the stream is left after it), or why it is not one."""
    head = stream.readline(CHUNK)
    if not head.startswith(WARC_MAGIC):
        return UnreadableRecord(position, "not a WARC record (no WARC/1.x line)")
    lines = [head]
    while (line := stream.readline(CHUNK)) not in (b"\r\n", b"\n"):
        if not line:
            return UnreadableRecord(position, "the file ends inside the record's headers")
        lines.append(line)
        if sum(map(len, lines)) > MAX_HEADER_BYTES:
            return UnreadableRecord(position, "record headers longer than 256 KB")
    length = _content_length(lines)
    if length is None:
        return UnreadableRecord(position, "no valid Content-Length in the record's headers")
    block_start = stream.tell()
    left = size - block_start
    if length > left:
        return UnreadableRecord(
            position,
            f"Content-Length {length} goes past the end of the file ({left} bytes left): "
            "the record is cut short or its length is wrong",
        )
    if length > MAX_RECORD_BYTES:
        stream.seek(block_start + length)
        _end_of_record(stream)
        return UnreadableRecord(position, f"record of {length} bytes, over the 64 MB limit")
    block = stream.read(length)
    if not _end_of_record(stream):
        return UnreadableRecord(
            position, f"Content-Length {length} does not end the record (wrong length)"
        )
    return RawRecord(position, b"".join(lines) + b"\r\n" + block + b"\r\n\r\n")


def _content_length(lines: list[bytes]) -> int | None:
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() == b"content-length":
            text = value.strip()
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None


def _end_of_record(stream: BinaryIO) -> bool:
    """Whether the two line ends that close a record follow (CRLF, or LF from lax writers)."""
    at = stream.tell()
    tail = stream.read(4)
    for ending in (b"\r\n\r\n", b"\n\n"):
        if tail.startswith(ending):
            stream.seek(at + len(ending))
            return True
    if not tail.strip():  # the last record, its closing line ends missing or short
        stream.seek(at + len(tail))
        return True
    stream.seek(at)
    return False


def _gzip_members(stream: BinaryIO, position: int) -> Iterator[RawRecord | UnreadableRecord]:
    """Records of a .warc.gz from ``position``: one gzip member each (or several in one)."""
    import io

    while True:
        stream.seek(position)
        if not stream.read(1):
            return
        stream.seek(position)
        member = _member(stream, position)
        if isinstance(member, UnreadableRecord):
            yield member
            following = _find(stream, GZIP_MAGIC, position + 1, line_start=False)
            if following is None:
                return
            position = following
            continue
        data, end = member
        yield from _plain_records(io.BytesIO(data), base=position)
        position = end


def _member(stream: BinaryIO, position: int) -> tuple[bytes, int] | UnreadableRecord:
    """The uncompressed bytes of the gzip member at ``position`` and where it ends, or why not."""
    if stream.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
        return UnreadableRecord(position, "not gzip data (expected a gzip member)")
    stream.seek(position)
    inflater = zlib.decompressobj(wbits=31)
    parts: list[bytes] = []
    produced = 0
    read = 0
    while not inflater.eof:
        chunk = stream.read(CHUNK)
        if not chunk:
            return UnreadableRecord(position, "the file ends inside this gzip member (cut short)")
        read += len(chunk)
        room = MAX_RECORD_BYTES + MAX_HEADER_BYTES - produced
        if room <= 0:  # (a max_length of 0 would mean no limit at all)
            return UnreadableRecord(position, "gzip member over the 64 MB record limit")
        try:
            part = inflater.decompress(chunk, room)
        except zlib.error as error:
            return UnreadableRecord(position, f"corrupt gzip data ({error})")
        produced += len(part)
        parts.append(part)
        if inflater.unconsumed_tail:
            return UnreadableRecord(position, "gzip member over the 64 MB record limit")
    return b"".join(parts), position + read - len(inflater.unused_data)
