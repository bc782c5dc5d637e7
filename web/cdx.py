"""A CDX server over our captures, and each capture's raw bytes as originally served.

Two layouts of one index, so either family of tools reads it:

- ``/cdx/search/cdx``: the Wayback Machine's form (``output=json`` is an array of arrays with a
  header row; text is space-separated fields);
- ``/web/cdx``: pywb's form (``output=json`` is one object per line; text is CDXJ).

Both take ``url``, ``matchType``, ``from``, ``to``, ``filter`` (repeatable), ``collapse``,
``limit``, ``fl`` and ``output`` (web/cdx_query.py). The replay prefix is ``/web``:
``/web/TIMESTAMPid_/URL`` answers the capture's stored bytes with the status and content type
it was served with, sandboxed (web/raw_capture.py); ``/web/TIMESTAMP/URL`` redirects to the
version page in force then.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from storage.capture_index import index_rows
from web.cdx_query import (
    PYWB_FIELDS,
    WAYBACK_FIELDS,
    CdxQuery,
    InvalidCdxQuery,
    apply_query,
    canonical_field,
    parse_query,
)
from web.deps import SessionDep
from web.errors import BadRequest

router = APIRouter(tags=["cdx"])

_PYWB_NAME = dict(zip(WAYBACK_FIELDS, PYWB_FIELDS, strict=True))

UrlParam = Annotated[str, Query(max_length=4096, description="The URL (or prefix, or host).")]
MatchParam = Annotated[
    str | None,
    Query(alias="matchType", description="exact (default), prefix, host or domain."),
]
FromParam = Annotated[str | None, Query(alias="from", max_length=14, description="YYYY[MM..]")]
ToParam = Annotated[str | None, Query(alias="to", max_length=14, description="YYYY[MM..]")]
FilterParam = Annotated[
    list[str],
    Query(alias="filter", description="[!][=|~]FIELD:VALUE, e.g. statuscode:200 (repeatable)."),
]
CollapseParam = Annotated[
    str | None, Query(max_length=64, description="FIELD or FIELD:N, e.g. digest.")
]
LimitParam = Annotated[int | None, Query(description="At most N rows; -N: the last N.")]
FieldsParam = Annotated[
    str | None, Query(alias="fl", max_length=200, description="Fields to give, comma-separated.")
]
OutputParam = Annotated[str | None, Query(max_length=16, description="json, or text.")]


def _query(
    url: str,
    match: str | None,
    since: str | None,
    until: str | None,
    filters: list[str],
    collapse: str | None,
    limit: int | None,
) -> CdxQuery:
    if len(filters) > 20:
        raise BadRequest("filter: at most 20")
    try:
        return parse_query(
            url,
            match_type=match,
            since=since,
            until=until,
            filters=filters,
            collapse=collapse,
            limit=limit,
        )
    except InvalidCdxQuery as error:
        raise BadRequest(str(error)) from None


def _fields(fl: str | None) -> list[str]:
    if not fl:
        return list(WAYBACK_FIELDS)
    try:
        return [canonical_field(name.strip()) for name in fl.split(",") if name.strip()]
    except InvalidCdxQuery as error:
        raise BadRequest(str(error)) from None


def _rows(session: SessionDep, query: CdxQuery) -> Iterator[dict[str, str]]:
    found = index_rows(session, query.url, match=query.match, since=query.since, until=query.until)
    return apply_query(found, query)


def _wayback_lines(rows: Iterator[dict[str, str]], fields: list[str], json_out: bool) -> str:
    if not json_out:
        return "".join(" ".join(row[f] for f in fields) + "\n" for row in rows)
    lines = [json.dumps(fields)] + [json.dumps([row[f] for f in fields]) for row in rows]
    if len(lines) == 1:
        return "[]\n"
    return "[" + ",\n".join(lines) + "]\n"


def _pywb_lines(rows: Iterator[dict[str, str]], fields: list[str], json_out: bool) -> str:
    out = []
    for row in rows:
        named = {_PYWB_NAME[f]: row[f] for f in fields}
        if json_out:
            out.append(json.dumps(named) + "\n")
        else:
            rest = {k: v for k, v in named.items() if k not in ("urlkey", "timestamp")}
            out.append(f"{row['urlkey']} {row['timestamp']} {json.dumps(rest)}\n")
    return "".join(out)


def _answer(
    session: SessionDep, query: CdxQuery, fl: str | None, output: str | None, *, pywb: bool
) -> Response:
    """The index rows ``query`` selects, in the Wayback or the pywb form."""
    json_out = output == "json"
    lines = _pywb_lines if pywb else _wayback_lines
    text = lines(_rows(session, query), _fields(fl), json_out)
    media = "text/plain"
    if json_out:
        media = "application/x-ndjson" if pywb else "application/json"
    return Response(text, media_type=media)


@router.get(
    "/cdx/search/cdx",
    response_class=Response,
    summary="CDX index of our captures, Wayback Machine form",
)
def wayback_cdx(
    session: SessionDep,
    url: UrlParam,
    match: MatchParam = None,
    since: FromParam = None,
    until: ToParam = None,
    filters: FilterParam = [],  # noqa: B006 (FastAPI copies the default)
    collapse: CollapseParam = None,
    limit: LimitParam = None,
    fl: FieldsParam = None,
    output: OutputParam = None,
) -> Response:
    query = _query(url, match, since, until, filters, collapse, limit)
    return _answer(session, query, fl, output, pywb=False)


@router.get(
    "/web/cdx",
    response_class=Response,
    summary="CDX index of our captures, pywb form",
)
def pywb_cdx(
    session: SessionDep,
    url: UrlParam,
    match: MatchParam = None,
    since: FromParam = None,
    until: ToParam = None,
    filters: FilterParam = [],  # noqa: B006 (FastAPI copies the default)
    collapse: CollapseParam = None,
    limit: LimitParam = None,
    fl: FieldsParam = None,
    output: OutputParam = None,
) -> Response:
    query = _query(url, match, since, until, filters, collapse, limit)
    return _answer(session, query, fl, output, pywb=True)


# HEAD for clients that probe first (kept out of the schema).
router.add_api_route("/cdx/search/cdx", wayback_cdx, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/web/cdx", pywb_cdx, methods=["HEAD"], include_in_schema=False)
