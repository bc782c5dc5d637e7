"""``/web/TIMESTAMPid_/URL``: a capture's bytes as originally served, in a sandbox.

Archived HTML is hostile by default: it must never run script or act as the UI's origin. The
answer carries ``Content-Security-Policy: sandbox`` without ``allow-scripts`` or
``allow-same-origin`` (the document gets an opaque origin: no script, no cookies or storage of
ours, no form posts), loads nothing from anywhere (``default-src 'none'``), and ``nosniff``
keeps the browser to the stored content type. No cookie is ever set.

A timestamp without an exact capture redirects to the closest kept one (as the Wayback
Machine does); ``/web/TIMESTAMP/URL`` without ``id_`` redirects to the version page in force
at that time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from storage import VersionNotFound, get_version
from storage.capture_index import CaptureNotFound, index_rows, raw_capture
from web.cdx_query import InvalidCdxQuery, parse_timestamp_bound
from web.deps import BaseURL, SessionDep
from web.errors import BadRequest
from web.memento import memento_uri, original_of_path
from web.views import http_date

router = APIRouter(tags=["cdx"])

RAW_CONTENT_SECURITY_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_STAMP_PATTERN = r"^\d{4,14}([a-z]{2}_)?$"
# Not passed on: framing (ours differs), cookies (never set one), the capture's Date (ours is now).
_NOT_PASSED = {"content-length", "transfer-encoding", "connection", "set-cookie", "date"}

Stamp = Annotated[str, Path(pattern=_STAMP_PATTERN, description="YYYYMMDDhhmmss, then id_")]


def _instant(digits: str) -> datetime:
    try:
        return parse_timestamp_bound(digits, "timestamp", end=False)
    except InvalidCdxQuery as error:
        raise BadRequest(str(error)) from None


def _closest_kept(session: SessionDep, url: str, at: datetime) -> datetime | None:
    kept = [row.fetched_at for row in index_rows(session, url) if row.digest is not None]
    return min(kept, key=lambda when: abs((when - at).total_seconds()), default=None)


def _raw(session: SessionDep, url: str, digits: str) -> Response:
    at = _instant(digits)
    try:
        capture = raw_capture(session, url, at)
    except CaptureNotFound:
        closest = _closest_kept(session, url, at)
        if closest is None or closest.strftime("%Y%m%d%H%M%S") == digits.ljust(14, "0"):
            raise
        stamp = closest.strftime("%Y%m%d%H%M%S")
        return Response(status_code=302, headers={"Location": f"/web/{stamp}id_/{url}"})
    headers = {name: value for name, value in capture.headers.items() if name not in _NOT_PASSED}
    headers.update(
        {
            "content-security-policy": RAW_CONTENT_SECURITY_POLICY,
            "memento-datetime": http_date(capture.fetched_at),
            "link": f'<{capture.url}>; rel="original"',
            "cache-control": "no-store",
        }
    )
    headers.setdefault("content-type", "application/octet-stream")
    if not 200 <= capture.status < 600:
        raise CaptureNotFound(f"capture of {url[:200]} has no usable status")
    return Response(capture.body, status_code=capture.status, headers=headers)


@router.get(
    "/web/{stamp}/{uri:path}",
    response_class=Response,
    summary="A capture's raw bytes (TIMESTAMPid_) or the version in force then (TIMESTAMP)",
    responses={200: {}, 302: {}, 400: {}, 404: {}},
)
def replay(
    request: Request, session: SessionDep, base: BaseURL, stamp: Stamp, uri: str
) -> Response:
    url = original_of_path(request, uri)
    digits = stamp.rstrip("_abcdefghijklmnopqrstuvwxyz")
    if stamp.endswith("id_"):
        return _raw(session, url, digits)
    try:
        record = get_version(session, url, at=_instant(digits))
    except VersionNotFound:
        record = get_version(session, url, number=1)
    return Response(
        status_code=302, headers={"Location": memento_uri(base, record.url, record.version)}
    )


# HEAD for clients that probe first (kept out of the schema).
router.add_api_route("/web/{stamp}/{uri:path}", replay, methods=["HEAD"], include_in_schema=False)
