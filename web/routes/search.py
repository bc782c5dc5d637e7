"""The home page, the search page and the list of recent changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from storage.search import MAX_QUERY_CHARS
from web import catalog
from web.deps import PagingDep, SessionDep
from web.params import DateText, Paging, SiteHost, date_range
from web.routes.render import page, page_links

router = APIRouter(include_in_schema=False)

SearchQuery = Annotated[str, Query(max_length=MAX_QUERY_CHARS, description="Search query")]


@router.api_route("/", methods=["GET", "HEAD"])
def home(request: Request, session: SessionDep) -> Response:
    changes = catalog.recent_changes(session, Paging(1, 15))
    return page(request, "home.html", {"changes": changes.items})


@router.api_route("/search", methods=["GET", "HEAD"])
def search_page(
    request: Request,
    session: SessionDep,
    paging: PagingDep,
    q: SearchQuery = "",
    site: SiteHost = None,
    since: DateText = None,
    until: DateText = None,
    all_versions: bool = False,
) -> Response:
    start, end = date_range(since, until)
    context: dict[str, object] = {
        "q": q,
        "site": site or "",
        "since": since or "",
        "until": until or "",
        "all_versions": all_versions,
        "hits": [],
        "paging": paging,
        "links": {"prev": None, "next": None},
    }
    if q.strip():
        result = catalog.search_versions(
            session, q, paging, site=site, since=start, until=end, all_versions=all_versions
        )
        context["hits"] = result.items
        context["links"] = page_links(request, paging.page, result.has_next)
    return page(request, "search.html", context)


@router.api_route("/changes", methods=["GET", "HEAD"])
def changes_page(
    request: Request, session: SessionDep, paging: PagingDep, site: SiteHost = None
) -> Response:
    result = catalog.recent_changes(session, paging, site=site)
    context = {
        "changes": result.items,
        "site": site,
        "paging": paging,
        "links": page_links(request, paging.page, result.has_next),
    }
    return page(request, "changes.html", context)
