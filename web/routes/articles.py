"""Article pages: the current or a past version with its timeline, and the diff view."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from web import catalog
from web.deps import BaseURL, SessionDep
from web.memento import memento_headers, original_links, timegate_uri, timemap_uri
from web.params import ArticleURL, VersionNumber
from web.routes.render import page
from web.views import timeline_entry, version_diff

router = APIRouter(include_in_schema=False)


@router.api_route("/article", methods=["GET", "HEAD"])
def article_page(
    request: Request, session: SessionDep, base: BaseURL, url: ArticleURL, v: VersionNumber = None
) -> Response:
    """The latest version (no ``v``) or version ``v``, which is a Memento of the article URL."""
    found = catalog.article_versions(session, url, v)
    record = found.record
    timeline = [timeline_entry(s) for s in reversed(found.versions)]
    headers = (
        memento_headers(base, record.url, found.versions, record.version)
        if v is not None
        else original_links(base, record.url)
    )
    context = {
        "record": record,
        "timeline": timeline,
        "is_latest": record.version == record.version_count,
        "timegate": timegate_uri("", record.url),
        "timemap": timemap_uri("", record.url),
        "timemap_json": timemap_uri("", record.url, "json"),
    }
    return page(request, "article.html", context, headers=headers)


@router.api_route("/diff", methods=["GET", "HEAD"])
def diff_page(
    request: Request,
    session: SessionDep,
    url: ArticleURL,
    from_version: Annotated[VersionNumber, Query(alias="from")] = None,
    to_version: Annotated[VersionNumber, Query(alias="to")] = None,
    view: Annotated[Literal["inline", "side"], Query()] = "inline",
) -> Response:
    """Word-level differences between two versions, inline or side by side."""
    old, new = catalog.version_pair(session, url, from_version, to_version)
    versions = catalog.article_versions(session, new.url).versions
    context = {
        "diff": version_diff(old, new),
        "view": view,
        "numbers": [s.version for s in versions],
    }
    return page(request, "diff.html", context)
