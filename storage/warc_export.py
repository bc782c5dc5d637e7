"""Writing the archive's captures out as a WARC 1.1 file that records the crawl (docs/warc.md)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage.capture_http import CaptureHttp, HttpHop, decode_http
from storage.listing import site_matches
from storage.models import Article, Capture, RawBody, Site
from storage.rawbodies import decompress_raw_body
from storage.records import WarcSummary
from storage.warc import payload_digest, warc_date
from storage.warc_heads import kept_headers, request_head, response_head

OnRecord = Callable[[ArcWarcRecord, int, int], None]
STREAM_BATCH = 50
PROGRESS_EVERY = 1000
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# A 200 whose bytes differed (ads, nonces) but whose extracted article did not: the body was not
# kept, so the record points at the payload of the version it confirmed.
PROFILE_SAME_ARTICLE = "urn:newsarchive:revisit:identical-extracted-content"
SYNTHESISED = "WARC-Newsarchive-Synthesised"
# A conversion record holding the DOM a browser rendered from the response it refers to.
RENDERED = "WARC-Newsarchive-Rendered"
RENDERED_TYPE = "text/html"
FETCHED_DIGEST = "WARC-Newsarchive-Fetched-Payload-Digest"
SYNTHESISED_NOTE = (
    "Records carrying a WARC-Newsarchive-Synthesised field have HTTP heads rebuilt from the "
    "few headers kept by captures made before newsarchive kept whole heads (schema 0012): "
    "the status line and those headers are real, the rest is not. Content-Encoding, "
    "Transfer-Encoding and a Content-Length that no longer matches the stored (decoded) payload "
    "are kept as X-Archive-Orig-* headers."
)


@dataclass(frozen=True)
class _Row:
    """One capture with what its records need."""

    id: int
    requested_url: str
    final_url: str | None
    fetched_at: datetime
    status: int | None
    headers: dict[str, Any] | None
    content_type: str | None
    own_sha: str | None
    outcome: str
    http_blob: bytes | None
    sha: str | None
    first_id: int | None
    first_uri: str | None
    first_at: datetime | None
    size: int | None
    compression: str | None
    data: bytes | None
    # A page rendered in a browser: the server's body (the response) and the rendered DOM.
    server_sha: str | None = None
    server_compression: str | None = None
    server_data: bytes | None = None
    rendered_data: bytes | None = None


def _filtered(query: Any, site: str | None, since: datetime | None, until: datetime | None) -> Any:
    if site:
        query = (
            query.join(Article, Article.id == Capture.article_id)
            .join(Site, Site.id == Article.site_id)
            .where(site_matches(site))
        )
    if since is not None:
        query = query.where(Capture.fetched_at >= since)
    if until is not None:
        query = query.where(Capture.fetched_at < until)
    return query


def _captures_query(site: str | None, since: datetime | None, until: datetime | None) -> Any:
    """Every capture in range in the order recorded, with the payload it holds or points at.

    The order recorded (capture id), not the fetch time: fetches of one crawl are recorded as
    their extraction finishes, and importing in the same order rebuilds the same history.
    """
    order = (Capture.id,)
    earlier = aliased(Capture)
    # The payload an unchanged or 304 fetch confirmed: the latest body kept for its version.
    version_sha = (
        select(earlier.raw_body_sha256)
        .where(
            earlier.version_id == Capture.version_id,
            earlier.raw_body_sha256.is_not(None),
            earlier.id < Capture.id,
        )
        .order_by(earlier.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    confirms = and_(
        Capture.raw_body_sha256.is_(None), Capture.outcome.in_(("unchanged", "not_modified"))
    )
    sha = case((confirms, version_sha), else_=Capture.raw_body_sha256).label("sha")
    shas = _filtered(select(Capture.id, sha), site, since, until).subquery()
    ranked = _filtered(
        select(
            Capture.id,
            Capture.raw_body_sha256,
            func.row_number()
            .over(partition_by=Capture.raw_body_sha256, order_by=order)
            .label("rank"),
        ).where(Capture.raw_body_sha256.is_not(None)),
        site,
        since,
        until,
    ).subquery()
    firsts = select(ranked.c.id, ranked.c.raw_body_sha256).where(ranked.c.rank == 1).subquery()
    first = aliased(Capture)
    server = aliased(RawBody)
    rendered = Capture.server_body_sha256.is_not(None)
    return (
        select(
            Capture.id,
            Capture.requested_url,
            Capture.final_url,
            Capture.fetched_at,
            Capture.http_status,
            Capture.headers,
            Capture.content_type,
            Capture.raw_body_sha256,
            Capture.outcome,
            Capture.http,
            shas.c.sha,
            first.id,
            func.coalesce(first.final_url, first.requested_url),
            first.fetched_at,
            RawBody.size,
            RawBody.compression,
            case((first.id == Capture.id, RawBody.data), else_=None),
            Capture.server_body_sha256,
            server.compression,
            server.data,
            case((rendered, RawBody.data), else_=None),
        )
        .join(shas, shas.c.id == Capture.id)
        .outerjoin(firsts, firsts.c.raw_body_sha256 == shas.c.sha)
        .outerjoin(first, first.id == firsts.c.id)
        .outerjoin(RawBody, RawBody.sha256 == shas.c.sha)
        .outerjoin(server, server.sha256 == Capture.server_body_sha256)
        .where(or_(shas.c.sha.is_not(None), Capture.http_status.is_not(None)))
        .order_by(*order)
    )


class _Writer:
    """Turns capture rows into records, counting what it wrote."""

    def __init__(
        self, writer: WARCWriter, out: BinaryIO, on_record: OnRecord | None = None
    ) -> None:
        self.writer = writer
        self.out = out
        self.on_record = on_record
        self.counts = {
            "responses": 0,
            "revisits": 0,
            "requests": 0,
            "redirects": 0,
            "conversions": 0,
        }
        self.synthesised = 0
        self.left_out = 0

    def _request(
        self, url: str, at: datetime, http: CaptureHttp | None, hop: HttpHop | None
    ) -> ArcWarcRecord:
        fields = {"WARC-Date": warc_date(at)}
        if hop is not None:
            head = request_head(url, "GET", hop.request_headers, hop.protocol)
        elif http is not None:
            head = request_head(url, http.method, http.request_headers, http.protocol)
            if not http.request_headers:  # imported from a WARC: its request was not read
                fields[SYNTHESISED] = "request-head"
        else:
            head = request_head(url, "GET", [], "HTTP/1.1")
            fields[SYNTHESISED] = "request-head"
        record = self.writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=head,
            warc_headers_dict=fields,
        )
        self.counts["requests"] += 1
        return record

    def _write_pair(self, request: ArcWarcRecord, record: ArcWarcRecord) -> None:
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request.rec_headers.add_header("WARC-Concurrent-To", record_id)
        self._emit(request)
        self._emit(record)

    def _emit(self, record: ArcWarcRecord) -> None:
        if self.on_record is None:
            self.writer.write_record(record)
            return
        offset = self.out.tell()
        self.writer.write_record(record)
        self.on_record(record, offset, self.out.tell() - offset)

    def _hops(self, row: _Row, http: CaptureHttp) -> None:
        for hop in http.hops:
            head = response_head(hop.status, hop.headers, hop.protocol, 0)
            record = self.writer.create_warc_record(
                hop.url,
                "response",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=head,
                warc_headers_dict={"WARC-Date": warc_date(hop.fetched_at)},
            )
            self._write_pair(self._request(hop.url, hop.fetched_at, None, hop), record)
            self.counts["redirects"] += 1

    def _head(self, row: _Row, http: CaptureHttp | None, length: int) -> StatusAndHeaders:
        if http is not None:
            return response_head(row.status, http.response_headers, http.protocol, length)
        return response_head(
            row.status, kept_headers(row.headers, row.content_type), "HTTP/1.1", length
        )

    def write(self, row: _Row) -> None:
        """The records of one capture: its redirect hops, then its request and response."""
        http = decode_http(row.http_blob)
        uri = row.final_url or row.requested_url
        if row.sha is None or row.first_id is None or row.size is None:
            self.left_out += 1  # nothing on the wire was kept (a failed connection, a non-HTML)
            return
        if http is not None:
            self._hops(row, http)
        fields = {"WARC-Date": warc_date(row.fetched_at)}
        if http is None:
            fields[SYNTHESISED] = "response-head"
            self.synthesised += 1
        if row.server_data is not None and row.server_sha and row.rendered_data is not None:
            self._rendered(row, http, uri, fields)
            return
        if row.first_id == row.id and row.data is not None:
            body = decompress_raw_body(row.compression or "identity", row.data)
            record = self._response(row, http, uri, fields, body, row.sha)
        else:
            record = self._revisit(row, http, uri, fields)
        self._write_pair(self._request(uri, row.fetched_at, http, None), record)

    def _response(
        self,
        row: _Row,
        http: CaptureHttp | None,
        uri: str,
        fields: dict[str, str],
        body: bytes,
        sha256: str,
    ) -> ArcWarcRecord:
        """A ``response`` record of ``body`` (whose sha256 is ``sha256``) with the fetch's head."""
        fields["WARC-Payload-Digest"] = payload_digest(sha256)
        record = self.writer.create_warc_record(
            uri,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=self._head(row, http, len(body)),
            warc_headers_dict=fields,
        )
        self.counts["responses"] += 1
        return record

    def _rendered(
        self, row: _Row, http: CaptureHttp | None, uri: str, fields: dict[str, str]
    ) -> None:
        """A rendered page: the server's answer as the response, then the DOM the browser
        rendered from it as a ``conversion`` record referring to that response."""
        assert row.server_sha and row.server_data is not None and row.rendered_data is not None
        body = decompress_raw_body(row.server_compression or "identity", row.server_data)
        response = self._response(row, http, uri, fields, body, row.server_sha)
        self._write_pair(self._request(uri, row.fetched_at, http, None), response)
        dom = decompress_raw_body(row.compression or "identity", row.rendered_data)
        conversion_fields = {
            "WARC-Date": warc_date(row.fetched_at),
            "WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID"),
            "WARC-Payload-Digest": payload_digest(row.sha or ""),
            RENDERED: "browser-dom",
        }
        if not row.own_sha:
            # An unchanged rendering whose DOM was not kept: the DOM of the version it confirmed.
            conversion_fields[RENDERED] = "confirmed-version-dom"
            if http is not None and http.payload_sha256:
                conversion_fields[FETCHED_DIGEST] = payload_digest(http.payload_sha256)
        conversion = self.writer.create_warc_record(
            uri,
            "conversion",
            payload=io.BytesIO(dom),
            length=len(dom),
            warc_content_type=row.content_type or RENDERED_TYPE,
            warc_headers_dict=conversion_fields,
        )
        self._emit(conversion)
        self.counts["conversions"] += 1

    def _revisit(
        self, row: _Row, http: CaptureHttp | None, uri: str, fields: dict[str, str]
    ) -> ArcWarcRecord:
        assert row.sha is not None and row.first_uri and row.first_at and row.size is not None
        if row.outcome == "not_modified":
            profile = PROFILE_NOT_MODIFIED
            head = self._head(row, http, 0)
        else:
            profile = PROFILE_IDENTICAL if row.own_sha else PROFILE_SAME_ARTICLE
            head = self._head(row, http, row.size)
            if not row.own_sha and http is not None and http.payload_sha256:
                fields[FETCHED_DIGEST] = payload_digest(http.payload_sha256)
        record = self.writer.create_revisit_record(
            uri,
            payload_digest(row.sha),
            row.first_uri,
            warc_date(row.first_at),
            http_headers=head,
            warc_headers_dict=fields,
        )
        record.rec_headers.replace_header("WARC-Profile", profile)
        self.counts["revisits"] += 1
        return record


def write_warc(
    session: Session,
    out: BinaryIO,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    info: dict[str, str] | None = None,
    gzip: bool = True,
    on_progress: Callable[[int], None] | None = None,
    on_record: OnRecord | None = None,
) -> WarcSummary:
    """Write a warcinfo record, then the records of every capture in the order recorded.

    Each fetch is a ``request`` record and a ``response`` or ``revisit`` record with the heads
    the capture kept (docs/warc.md); each redirect hop before it is a request/response pair of
    its own. The first capture of a body holds the payload; later fetches of the same bytes are
    identical-payload-digest revisits, a 304 a server-not-modified revisit. Rows are streamed
    in batches, so memory does not grow with the archive. ``on_record`` is told each record
    written after the warcinfo, with its offset and length in ``out`` (which must then tell()).
    """
    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    notes = {"software": "newsarchive", **(info or {}), "newsarchive-note": SYNTHESISED_NOTE}
    writer.write_record(writer.create_warcinfo_record(None, notes))
    records = _Writer(writer, out, on_record)
    rows = session.execute(
        _captures_query(site, since, until).execution_options(yield_per=STREAM_BATCH)
    )
    for done, row in enumerate(rows, start=1):
        records.write(_Row(*row))
        if on_progress is not None and done % PROGRESS_EVERY == 0:
            on_progress(done)
    return WarcSummary(
        responses=records.counts["responses"],
        revisits=records.counts["revisits"],
        requests=records.counts["requests"],
        redirects=records.counts["redirects"],
        conversions=records.counts["conversions"],
        synthesised=records.synthesised,
        left_out=records.left_out,
    )
