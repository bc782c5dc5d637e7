"""WARC 1.1 files: writing stored raw bodies out as response / revisit records, reading pages in."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, BinaryIO

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from storage.listing import site_matches
from storage.models import Article, Capture, RawBody, Site
from storage.rawbodies import decompress_raw_body
from storage.records import FetchedPage, WarcSummary
from storage.timeutil import parse_instant
from storage.validation import InvalidImport, checked_url, storable_text
from storage.warc_reading import MAX_RECORD_BYTES, UnreadableRecord, warc_records

STREAM_BATCH = 50
WARC_TYPES = (
    "warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion",
    "continuation",
)  # fmt: skip
# Stored bodies are already decoded, so these would describe the wire, not the payload.
_WIRE_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}


@dataclass(frozen=True)
class WarcPage:
    """One HTTP response (or revisit of an earlier payload) read from a WARC file."""

    page: FetchedPage
    content_type: str | None
    payload_digest: str | None
    revisit: bool


def payload_digest(sha256_hex: str) -> str:
    """The WARC-Payload-Digest for a body with this sha256 (base32, as WARC tools expect)."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def warc_date(value: datetime) -> str:
    """WARC 1.1 date: UTC, ISO 8601, microseconds kept when there are any."""
    return str(datetime_to_iso_date(value.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def http_header_block(
    status: int | None, headers: dict[str, Any] | None, content_type: str | None, length: int
) -> StatusAndHeaders:
    """A plausible HTTP/1.1 response head from the status and the few headers a capture kept."""
    code = status or 200
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    kept = dict(headers or {})
    if content_type and "content-type" not in kept:
        kept["content-type"] = content_type
    lines = [
        ("-".join(part.capitalize() for part in name.split("-")), str(value))
        for name, value in kept.items()
        if name.lower() not in _WIRE_HEADERS
    ]
    lines.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{code} {phrase}", lines, protocol="HTTP/1.1")


def _captures_query(site: str | None, since: datetime | None, until: datetime | None) -> Any:
    order = (Capture.fetched_at, Capture.id)
    ranked = select(
        Capture.id,
        Capture.raw_body_sha256,
        func.first_value(Capture.id)
        .over(partition_by=Capture.raw_body_sha256, order_by=order)
        .label("first_id"),
    ).where(Capture.raw_body_sha256.is_not(None))
    if site:
        ranked = (
            ranked.join(Article, Article.id == Capture.article_id)
            .join(Site, Site.id == Article.site_id)
            .where(site_matches(site))
        )
    if since is not None:
        ranked = ranked.where(Capture.fetched_at >= since)
    if until is not None:
        ranked = ranked.where(Capture.fetched_at < until)
    sub = ranked.subquery()
    first = aliased(Capture)
    return (
        select(
            Capture.requested_url,
            Capture.final_url,
            Capture.fetched_at,
            Capture.http_status,
            Capture.headers,
            Capture.content_type,
            Capture.raw_body_sha256,
            func.coalesce(first.final_url, first.requested_url),
            first.fetched_at,
            RawBody.size,
            RawBody.compression,
            case((sub.c.first_id == Capture.id, RawBody.data), else_=None),
        )
        .join(sub, sub.c.id == Capture.id)
        .join(first, first.id == sub.c.first_id)
        .join(RawBody, RawBody.sha256 == Capture.raw_body_sha256)
        .order_by(*order)
    )


def write_warc(
    session: Session,
    out: BinaryIO,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    info: dict[str, str] | None = None,
    gzip: bool = True,
) -> WarcSummary:
    """Write a warcinfo record, then one record per capture that kept a raw body, oldest first.

    The first capture of each distinct body is a ``response`` record (original status and the
    headers the capture kept, Content-Length recomputed, WARC-Date = the fetch time); later
    captures of the same body are ``revisit`` records of the identical-payload-digest profile
    pointing at it. Bodies are streamed a few at a time.
    """
    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(None, info or {"software": "newsarchive"}))
    responses = revisits = 0
    rows = session.execute(
        _captures_query(site, since, until).execution_options(yield_per=STREAM_BATCH)
    )
    for requested, final, fetched_at, status, headers, content_type, sha256, *rest in rows:
        first_uri, first_at, size, compression, data = rest
        uri = final or requested
        date = {"WARC-Date": warc_date(fetched_at)}
        if data is None:
            head = http_header_block(status, headers, content_type, size)
            record = writer.create_revisit_record(
                uri,
                payload_digest(sha256),
                first_uri,
                warc_date(first_at),
                http_headers=head,
                warc_headers_dict=date,
            )
            revisits += 1
        else:
            body = decompress_raw_body(compression, data)
            record = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http_header_block(status, headers, content_type, len(body)),
                warc_headers_dict={**date, "WARC-Payload-Digest": payload_digest(sha256)},
            )
            responses += 1
        writer.write_record(record)
    return WarcSummary(responses=responses, revisits=revisits)


def iter_warc_pages(stream: BinaryIO) -> Iterator[WarcPage | UnreadableRecord]:
    """HTTP(S) response and revisit records of a WARC (gzipped or not), as fetched pages.

    The page's fetch time is the record's WARC-Date; bodies are de-chunked and decompressed.
    Other record types, and records of other schemes, are left out (they are no pages). A
    record that cannot be read whole, or whose URI, date or status is not valid, comes as an
    ``UnreadableRecord`` with its offset and why; reading goes on after it.
    """
    for raw in warc_records(stream):
        if isinstance(raw, UnreadableRecord):
            yield raw
            continue
        try:
            page = _page_of(raw.data)
        except InvalidImport as error:
            yield UnreadableRecord(raw.offset, str(error))
            continue
        except Exception as error:  # warcio on arbitrary bytes: any failure is this record's
            yield UnreadableRecord(raw.offset, f"unreadable record ({type(error).__name__})")
            continue
        if page is not None:
            yield page


def _page_of(data: bytes) -> WarcPage | None:
    """The page in one whole record's bytes, None for a record that holds no page."""
    record = next(iter(ArchiveIterator(io.BytesIO(data))), None)
    if record is None or record.format != "warc":
        raise InvalidImport("not a WARC record")
    if record.rec_type not in WARC_TYPES:
        raise InvalidImport(f"unknown WARC-Type {str(record.rec_type)[:40]!r}")
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
    )
