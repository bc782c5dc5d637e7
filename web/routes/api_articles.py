"""JSON API for one article: its latest or a numbered version, its versions, a diff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from storage import VersionRecord, VersionSummary
from web import catalog
from web.catalog import Slice
from web.deps import PagingDep, SessionDep
from web.params import ArticleURL, VersionNumber
from web.schemas import DiffResult, Page, page_of
from web.views import version_diff

router = APIRouter(prefix="/api/article", tags=["articles"])


@router.get("", summary="The latest version of an article, or version v")
def article(session: SessionDep, url: ArticleURL, v: VersionNumber = None) -> VersionRecord:
    return catalog.article_versions(session, url, v).record


@router.get("/versions", summary="An article's versions with what changed, oldest first")
def versions(
    request: Request, session: SessionDep, paging: PagingDep, url: ArticleURL
) -> Page[VersionSummary]:
    everything = catalog.article_versions(session, url).versions
    chunk = everything[paging.offset : paging.offset + paging.per_page]
    result = Slice(chunk, has_next=paging.offset + paging.per_page < len(everything))
    return Page[VersionSummary](**page_of(request, result, paging, chunk))


@router.get("/diff", summary="Word-level diff between two versions (default: the last two)")
def diff(
    session: SessionDep,
    url: ArticleURL,
    from_version: Annotated[VersionNumber, Query(alias="from")] = None,
    to_version: Annotated[VersionNumber, Query(alias="to")] = None,
) -> DiffResult:
    old, new = catalog.version_pair(session, url, from_version, to_version)
    return DiffResult.of(version_diff(old, new))
