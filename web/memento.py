"""Memento (RFC 7089) over article versions: TimeGate, TimeMaps, and memento headers.

The original resource (URI-R) is the article's URL; each version page ``/article?url=U&v=N``
is a memento (URI-M) dated by the version's capture time. The TimeGate ``/timegate/{URI-R}``
redirects (302, pattern 2.2 of the RFC) to the version that was current at Accept-Datetime:
the latest version captured at or before it, the first version for a time before the first
capture, the latest version when no Accept-Datetime is sent.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Request
from starlette.responses import JSONResponse, Response

from storage import VersionNotFound, VersionSummary, get_version, history
from web.deps import BaseURL, SessionDep
from web.params import parse_http_date
from web.views import http_date, iso, path_with

router = APIRouter(tags=["memento"])

LINK_FORMAT = "application/link-format"
_URI_SAFE = ":/?#[]@!$&'()*+,;=%~"


def memento_uri(base: str, url: str, version: int) -> str:
    return base + path_with("/article", url=url, v=version)


def timegate_uri(base: str, url: str) -> str:
    return f"{base}/timegate/{url}"


def timemap_uri(base: str, url: str, form: str = "link") -> str:
    return f"{base}/timemap/{form}/{url}"


def _backfilled(version: VersionSummary) -> dict[str, str]:
    """Link extension attributes marking a version first seen in another web archive."""
    if not version.archive:
        return {}
    marks = {"backfilled-from": quote(version.archive, safe=_URI_SAFE.replace(";", ""))}
    if version.memento_url:
        marks["archived-memento"] = quote(version.memento_url, safe=_URI_SAFE.replace(";", ""))
    return marks


def _backfilled_json(version: VersionSummary) -> dict[str, str | None]:
    if not version.archive:
        return {}
    return {"backfilled_from": version.archive, "archived_memento": version.memento_url}


def _link(uri: str, rel: str, **attributes: str) -> str:
    """One link-value; the URI is percent-encoded so '<', '>' and spaces cannot break out."""
    parts = [f'<{quote(uri, safe=_URI_SAFE)}>; rel="{rel}"']
    parts += [f'{name}="{value}"' for name, value in attributes.items()]
    return "; ".join(parts)


def _memento_rels(versions: list[VersionSummary], selected: int | None) -> dict[int, list[str]]:
    """Which relation names each version gets: first, last, and prev/next around ``selected``."""
    rels: dict[int, list[str]] = {}
    numbers = [v.version for v in versions]
    if not numbers:
        return rels
    rels.setdefault(numbers[0], []).append("first")
    if selected is not None:
        index = numbers.index(selected)
        if index > 0:
            rels.setdefault(numbers[index - 1], []).append("prev")
        if index + 1 < len(numbers):
            rels.setdefault(numbers[index + 1], []).append("next")
    rels.setdefault(numbers[-1], []).append("last")
    return rels


def navigation_links(
    base: str, url: str, versions: list[VersionSummary], selected: int | None
) -> list[str]:
    by_number = {v.version: v for v in versions}
    return [
        _link(
            memento_uri(base, url, number),
            " ".join([*names, "memento"]),
            datetime=http_date(by_number[number].captured_at),
        )
        for number, names in _memento_rels(versions, selected).items()
    ]


def _resource_links(base: str, url: str) -> list[str]:
    return [
        _link(url, "original"),
        _link(timegate_uri(base, url), "timegate"),
        _link(timemap_uri(base, url), "timemap", type=LINK_FORMAT),
    ]


def memento_headers(
    base: str, url: str, versions: list[VersionSummary], number: int
) -> dict[str, str]:
    """The headers of a version page: it is a memento of the article's URL."""
    current = next(v for v in versions if v.version == number)
    links = _resource_links(base, url) + navigation_links(base, url, versions, number)
    return {"Memento-Datetime": http_date(current.captured_at), "Link": ", ".join(links)}


def original_links(base: str, url: str) -> dict[str, str]:
    """The headers of the latest-version page: where its TimeGate and TimeMap are."""
    return {"Link": ", ".join(_resource_links(base, url))}


def original_of_path(request: Request, uri: str) -> str:
    """The URI-R from the path; its own query string arrives as ours (clients do not encode)."""
    if uri.startswith(("http:/", "https:/")) and not uri.startswith(("http://", "https://")):
        uri = uri.replace(":/", "://", 1)  # a proxy or client collapsed the double slash
    query = request.url.query
    return f"{uri}?{query}" if query else uri


@router.get(
    "/timegate/{uri:path}",
    status_code=302,
    summary="TimeGate: redirect to the version current at Accept-Datetime",
    responses={302: {"description": "Found: Location is the memento"}, 400: {}, 404: {}},
)
def timegate(
    request: Request,
    uri: str,
    session: SessionDep,
    base: BaseURL,
    accept_datetime: Annotated[
        str | None,
        Header(description="RFC 7231 date, e.g. Thu, 20 Nov 2026 10:00:00 GMT"),
    ] = None,
) -> Response:
    original = original_of_path(request, uri)
    at = parse_http_date(accept_datetime, "Accept-Datetime") if accept_datetime else None
    try:
        record = get_version(session, original, at=at)
    except VersionNotFound:
        if at is None:
            raise
        record = get_version(session, original, number=1)
    versions = history(session, record.url)
    links = [
        _link(record.url, "original"),
        _link(timemap_uri(base, record.url), "timemap", type=LINK_FORMAT),
        *navigation_links(base, record.url, versions, record.version),
    ]
    return Response(
        status_code=302,
        headers={
            "Location": memento_uri(base, record.url, record.version),
            "Vary": "accept-datetime",
            "Link": ", ".join(links),
        },
    )


def _timemap_versions(session: SessionDep, original: str) -> tuple[str, list[VersionSummary]]:
    record = get_version(session, original)
    return record.url, history(session, record.url)


@router.get(
    "/timemap/link/{uri:path}",
    response_class=Response,
    summary="TimeMap in application/link-format: every version of an article",
    responses={200: {"content": {LINK_FORMAT: {}}}, 404: {}},
)
def timemap_link(request: Request, uri: str, session: SessionDep, base: BaseURL) -> Response:
    url, versions = _timemap_versions(session, original_of_path(request, uri))
    lines = [
        _link(url, "original"),
        _link(
            timemap_uri(base, url),
            "self",
            type=LINK_FORMAT,
            **{
                "from": http_date(versions[0].captured_at),
                "until": http_date(versions[-1].captured_at),
            },
        ),
        _link(timemap_uri(base, url, "json"), "alternate", type="application/json"),
        _link(timegate_uri(base, url), "timegate"),
    ]
    rels = _memento_rels(versions, None)
    for version in versions:
        names = " ".join([*rels.get(version.version, []), "memento"])
        lines.append(
            _link(
                memento_uri(base, url, version.version),
                names,
                datetime=http_date(version.captured_at),
                **_backfilled(version),
            )
        )
    return Response(",\n".join(lines) + "\n", media_type=LINK_FORMAT)


@router.get(
    "/timemap/json/{uri:path}",
    summary="TimeMap as JSON: every version of an article",
    responses={404: {}},
)
def timemap_json(request: Request, uri: str, session: SessionDep, base: BaseURL) -> JSONResponse:
    url, versions = _timemap_versions(session, original_of_path(request, uri))
    mementos: list[dict[str, Any]] = [
        {
            "version": v.version,
            "datetime": iso(v.captured_at),
            "uri": memento_uri(base, url, v.version),
            **(
                {"backfilled_from": v.archive, "archived_memento": v.memento_url}
                if v.archive
                else {}
            ),
        }
        for v in versions
    ]
    body = {
        "original_uri": url,
        "timegate_uri": timegate_uri(base, url),
        "timemap_uri": {
            "link_format": timemap_uri(base, url),
            "json_format": timemap_uri(base, url, "json"),
        },
        "mementos": {"first": mementos[0], "last": mementos[-1], "list": mementos},
    }
    return JSONResponse(body)


# Memento clients probe with HEAD; answer it on every Memento resource (kept out of the schema).
for _path, _endpoint in (
    ("/timegate/{uri:path}", timegate),
    ("/timemap/link/{uri:path}", timemap_link),
    ("/timemap/json/{uri:path}", timemap_json),
):
    router.add_api_route(_path, _endpoint, methods=["HEAD"], include_in_schema=False)
