"""Site pages: every site with its counts, and one site's articles, crawl state and errors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from storage.timeutil import utcnow
from web import catalog
from web.deps import PagingDep, SessionDep
from web.params import HOST_PATTERN, Paging
from web.routes.render import page, page_links

router = APIRouter(include_in_schema=False)

HostPath = Annotated[str, Path(max_length=255, pattern=HOST_PATTERN)]


@router.api_route("/sites", methods=["GET", "HEAD"])
def sites_page(request: Request, session: SessionDep) -> Response:
    runs = catalog.crawl_runs(session, Paging(1, 10))
    return page(request, "sites.html", {"sites": catalog.sites(session), "runs": runs.items})


@router.api_route("/sites/{host}", methods=["GET", "HEAD"])
def site_page(request: Request, session: SessionDep, paging: PagingDep, host: HostPath) -> Response:
    overview = catalog.site_overview(session, host, utcnow())
    articles = catalog.articles(session, paging, site=host)
    runs = catalog.crawl_runs(session, Paging(1, 5))
    context = {
        "overview": overview,
        "articles": articles.items,
        "runs": runs.items,
        "paging": paging,
        "links": page_links(request, paging.page, articles.has_next),
    }
    return page(request, "site.html", context)
