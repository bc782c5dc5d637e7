"""Our captures as an archive lists them: the rows of a CDX index and one capture's raw bytes.

``newsarchive serve`` answers CDX queries (web/cdx.py) and raw ``id_`` requests from here. A
capture is listed when something was received (it has an HTTP status); its digest is the sha256
of the stored body, or None when the body was not kept (an unchanged fetch whose bytes were
dropped, a 304): such a row is listed as a revisit, and its raw form cannot be served.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from storage.errors import ArticleNotFound, NotFound
from storage.models import Capture, RawBody
from storage.queries import find_article
from storage.rawbodies import load_raw_body
from storage.timeutil import as_utc
from storage.urls import host_of

__all__ = [
    "CaptureNotFound",
    "IndexedCapture",
    "MatchType",
    "RawCapture",
    "index_rows",
    "raw_capture",
]

_LIKE_ESCAPE = "\\"


class CaptureNotFound(NotFound):
    """No capture of that URL at that time, or its body was not kept."""


class MatchType(StrEnum):
    """How a CDX query's ``url`` selects captures (pywb and the Wayback Machine's names)."""

    EXACT = "exact"
    PREFIX = "prefix"
    HOST = "host"
    DOMAIN = "domain"


@dataclass(frozen=True)
class IndexedCapture:
    """One line of the index: a capture we hold."""

    url: str
    fetched_at: datetime
    status: int
    mime: str | None
    digest: str | None  # sha256 of the stored body; None: not kept
    length: int | None
    archive: str | None  # the web archive it was backfilled from (None: our own fetch)


@dataclass(frozen=True)
class RawCapture:
    """A capture's bytes and the headers it was served with, as we keep them."""

    url: str
    fetched_at: datetime
    status: int
    headers: dict[str, str]
    body: bytes


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _url_condition(session: Session, url: str, match: MatchType) -> object:
    """The WHERE condition selecting the captures ``url`` names under ``match``."""
    column = Capture.requested_url
    if match is MatchType.EXACT:
        try:
            article = find_article(session, url)
        except ArticleNotFound:
            return column == url
        return or_(Capture.article_id == article.id, column == url)
    if match is MatchType.PREFIX:
        rest = url.split("://", 1)[-1]
        return or_(
            *(
                column.like(f"{scheme}://{_like(rest)}%", escape=_LIKE_ESCAPE)
                for scheme in ("http", "https")
            )
        )
    host = host_of(url if "://" in url else f"http://{url}")
    if not host:
        return column == url
    patterns = [f"{scheme}://{_like(host)}" for scheme in ("http", "https")]
    if match is MatchType.DOMAIN:
        patterns += [f"{scheme}://%.{_like(host)}" for scheme in ("http", "https")]
    return or_(
        *(
            or_(
                column.like(f"{p}/%", escape=_LIKE_ESCAPE),
                column.like(f"{p}:%", escape=_LIKE_ESCAPE),
                column == p,
            )
            for p in patterns
        )
    )


def _index_query(
    session: Session,
    url: str,
    match: MatchType,
    since: datetime | None,
    until: datetime | None,
) -> Select[Capture, int]:
    query = (
        select(Capture, RawBody.size)
        .outerjoin(RawBody, RawBody.sha256 == Capture.raw_body_sha256)
        .where(Capture.http_status.is_not(None), _url_condition(session, url, match))  # type: ignore[arg-type]
    )
    if since is not None:
        query = query.where(Capture.fetched_at >= since)
    if until is not None:
        query = query.where(Capture.fetched_at <= until)
    return query.order_by(Capture.requested_url, Capture.fetched_at, Capture.id)


def index_rows(
    session: Session,
    url: str,
    *,
    match: MatchType = MatchType.EXACT,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[IndexedCapture]:
    """The captures ``url`` selects, by URL then time (the order of a CDX index), streamed."""
    query = _index_query(session, url, match, since, until)
    for capture, size in session.execute(query.execution_options(yield_per=500)):
        yield IndexedCapture(
            url=capture.requested_url,
            fetched_at=as_utc(capture.fetched_at),
            status=int(capture.http_status or 0),
            mime=capture.content_type,
            digest=capture.raw_body_sha256,
            length=size,
            archive=capture.archive,
        )


def _same_second(at: datetime) -> object:
    start = as_utc(at).replace(microsecond=0)
    return and_(Capture.fetched_at >= start, Capture.fetched_at < start + timedelta(seconds=1))


def raw_capture(session: Session, url: str, at: datetime) -> RawCapture:
    """The capture of ``url`` made at ``at`` (to the second) whose body we kept.

    Raises CaptureNotFound when there is none: the caller may then look for the closest one
    with ``index_rows``.
    """
    condition = _url_condition(session, url, MatchType.EXACT)
    capture = session.scalar(
        select(Capture)
        .where(condition, _same_second(at), Capture.raw_body_sha256.is_not(None))  # type: ignore[arg-type]
        .order_by(Capture.id)
        .limit(1)
    )
    body = load_raw_body(session, capture.raw_body_sha256) if capture else None
    if capture is None or body is None:
        raise CaptureNotFound(f"no capture of {url[:200]} kept at {at:%Y%m%d%H%M%S}")
    return RawCapture(
        url=capture.requested_url,
        fetched_at=as_utc(capture.fetched_at),
        status=int(capture.http_status or 200),
        headers={str(k): str(v) for k, v in (capture.headers or {}).items()},
        body=body,
    )
