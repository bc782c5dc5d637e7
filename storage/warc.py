"""WARC 1.1 files: digests and dates (shared with storage.warc_export), reading pages in."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import datetime_to_iso_date

from storage.records import FetchedPage
from storage.timeutil import parse_instant


@dataclass(frozen=True)
class WarcPage:
    """One HTTP response (or revisit of an earlier payload) read from a WARC file."""

    page: FetchedPage
    content_type: str | None
    payload_digest: str | None
    revisit: bool
    # A revisit's WARC-Profile (identical-payload-digest, server-not-modified, ...).
    profile: str | None = None


def payload_digest(sha256_hex: str) -> str:
    """The WARC-Payload-Digest for a body with this sha256 (base32, as WARC tools expect)."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def sha256_of_digest(digest: str | None) -> str | None:
    """The sha256 hex of a ``sha256:`` payload digest (base32 or hex); None for other kinds."""
    algorithm, _, value = (digest or "").partition(":")
    if algorithm.lower() != "sha256":
        return None
    try:
        raw = bytes.fromhex(value) if len(value) == 64 else base64.b32decode(value.upper())
    except ValueError:
        return None
    return raw.hex() if len(raw) == 32 else None


def warc_date(value: datetime) -> str:
    """WARC 1.1 date: UTC, ISO 8601, microseconds kept when there are any."""
    return str(datetime_to_iso_date(value.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def iter_warc_pages(stream: BinaryIO) -> Iterator[WarcPage]:
    """HTTP(S) response and revisit records of a WARC (gzipped or not), as fetched pages.

    The page's fetch time is the record's WARC-Date; bodies are de-chunked and decompressed.
    Other record types, and records without an HTTP head, are skipped.
    """
    for record in ArchiveIterator(stream):
        if record.rec_type not in ("response", "revisit") or not record.http_headers:
            continue
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if not uri.startswith(("http://", "https://")):
            continue
        try:
            fetched_at = parse_instant(record.rec_headers.get_header("WARC-Date") or "")
            status = int(record.http_headers.get_statuscode())
        except ValueError:
            continue
        headers = {name.lower(): value for name, value in record.http_headers.headers}
        revisit = record.rec_type == "revisit"
        body = None if revisit else record.content_stream().read()
        yield WarcPage(
            page=FetchedPage(
                requested_url=uri,
                final_url=uri,
                fetched_at=fetched_at,
                http_status=status,
                headers=headers,
                body=body,
            ),
            content_type=headers.get("content-type"),
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
            revisit=revisit,
            profile=record.rec_headers.get_header("WARC-Profile") if revisit else None,
        )
