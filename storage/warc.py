"""WARC 1.1 files: digests and dates (shared with storage.warc_export), reading pages in."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import datetime_to_iso_date

from storage.records import FetchedPage
from storage.timeutil import parse_instant
from storage.validation import InvalidImport, checked_url, storable_text
from storage.warc_reading import MAX_RECORD_BYTES, UnreadableRecord, warc_records

WARC_TYPES = (
    "warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion",
    "continuation",
)  # fmt: skip


@dataclass(frozen=True)
class WarcPage:
    """One HTTP response (or revisit of an earlier payload) read from a WARC file."""

    page: FetchedPage
    content_type: str | None
    payload_digest: str | None
    revisit: bool
    # A revisit's WARC-Profile (identical-payload-digest, server-not-modified, ...).
    profile: str | None = None
    record_id: str | None = None
    # The page as a browser rendered it: ``page.body`` is the DOM of the conversion record that
    # followed the response, ``page.server_body`` the response's own body.
    rendered: bool = False


@dataclass(frozen=True)
class _Conversion:
    """A conversion record: a transformed version (here: a rendered DOM) of a response."""

    refers_to: str | None
    body: bytes
    payload_digest: str | None


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


def iter_warc_pages(stream: BinaryIO) -> Iterator[WarcPage | UnreadableRecord]:
    """HTTP(S) response and revisit records of a WARC (gzipped or not), as fetched pages.

    The page's fetch time is the record's WARC-Date; bodies are de-chunked and decompressed.
    A ``conversion`` record right after a response that it refers to (``WARC-Refers-To``) is
    the page as a browser rendered it (docs/warc.md): the page's body becomes the conversion's
    and the response's body is kept as ``server_body``. Other record types, and records of
    other schemes, are left out (they are no pages). A
    record that cannot be read whole, or whose URI, date or status is not valid, comes as an
    ``UnreadableRecord`` with its offset and why; reading goes on after it.
    """
    pending: WarcPage | None = None  # a response, until the record after it is read
    for raw in warc_records(stream):
        if isinstance(raw, UnreadableRecord):
            page: WarcPage | _Conversion | UnreadableRecord | None = raw
        else:
            try:
                page = _page_of(raw.data)
            except InvalidImport as error:
                page = UnreadableRecord(raw.offset, str(error))
            except Exception as error:  # warcio on arbitrary bytes: any failure is this record's
                page = UnreadableRecord(raw.offset, f"unreadable record ({type(error).__name__})")
        if isinstance(page, _Conversion):
            if pending is not None and page.refers_to and page.refers_to == pending.record_id:
                pending = _rendered(pending, page)
            continue
        if page is None:
            continue
        if pending is not None:
            yield pending
            pending = None
        if isinstance(page, WarcPage) and not page.revisit:
            pending = page
        else:
            yield page
    if pending is not None:
        yield pending


def _rendered(response: WarcPage, conversion: _Conversion) -> WarcPage:
    """The response as the DOM a browser rendered from it, the server's body kept beside."""
    page = replace(response.page, body=conversion.body, server_body=response.page.body)
    return replace(response, page=page, payload_digest=conversion.payload_digest, rendered=True)


def _page_of(data: bytes) -> WarcPage | _Conversion | None:
    """The page in one whole record's bytes, None for a record that holds no page."""
    record = next(iter(ArchiveIterator(io.BytesIO(data))), None)
    if record is None or record.format != "warc":
        raise InvalidImport("not a WARC record")
    if record.rec_type not in WARC_TYPES:
        raise InvalidImport(f"unknown WARC-Type {str(record.rec_type)[:40]!r}")
    if record.rec_type == "conversion":
        body = record.content_stream().read(MAX_RECORD_BYTES + 1)
        if len(body) > MAX_RECORD_BYTES:
            raise InvalidImport("the conversion's body decompresses to over 64 MB")
        return _Conversion(
            refers_to=record.rec_headers.get_header("WARC-Refers-To"),
            body=body,
            payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        )
    if record.rec_type not in ("response", "revisit"):
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not uri.lower().startswith(("http://", "https://")):
        return None
    uri = checked_url(uri, "WARC-Target-URI")
    if not record.http_headers:
        raise InvalidImport("response record without an HTTP head")
    try:
        fetched_at = parse_instant(record.rec_headers.get_header("WARC-Date") or "")
    except ValueError:
        raise InvalidImport("missing or invalid WARC-Date") from None
    code = record.http_headers.get_statuscode() or ""
    if not (code.isdigit() and len(code) == 3):
        raise InvalidImport(f"invalid HTTP status {code[:20]!r}")
    headers = {
        storable_text(name, "an HTTP header").lower(): storable_text(value, "an HTTP header")
        for name, value in record.http_headers.headers
    }
    revisit = record.rec_type == "revisit"
    body = None if revisit else record.content_stream().read(MAX_RECORD_BYTES + 1)
    if body is not None and len(body) > MAX_RECORD_BYTES:
        raise InvalidImport("the page's body decompresses to over 64 MB")
    return WarcPage(
        page=FetchedPage(
            requested_url=uri,
            final_url=uri,
            fetched_at=fetched_at,
            http_status=int(code),
            headers=headers,
            body=body,
        ),
        content_type=headers.get("content-type"),
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        revisit=revisit,
        profile=record.rec_headers.get_header("WARC-Profile") if revisit else None,
        record_id=record.rec_headers.get_header("WARC-Record-ID"),
    )
