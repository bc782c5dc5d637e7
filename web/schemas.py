"""Shapes of the JSON API's answers (the OpenAPI document is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from storage.records import SearchHit
from web.catalog import MARK_CLOSE, MARK_OPEN, Slice
from web.params import Paging
from web.views import DiffRun, VersionDiff, snippet_segments

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next`` / ``prev`` are the URLs of the neighbouring pages."""

    items: list[T]
    page: int
    per_page: int
    next: str | None
    prev: str | None


def page_of(request: Request, result: Slice, paging: Paging, items: list[Any]) -> dict[str, Any]:
    """The fields of a Page for ``result``, with links built from the request's own URL."""

    def link(number: int) -> str:
        return str(request.url.include_query_params(page=number))

    return {
        "items": items,
        "page": paging.page,
        "per_page": paging.per_page,
        "next": link(paging.page + 1) if result.has_next else None,
        "prev": link(paging.page - 1) if paging.page > 1 else None,
    }


class SnippetPart(BaseModel):
    text: str
    match: bool


class SearchResult(BaseModel):
    """A search hit: one version of an article, with its snippet split into matched parts."""

    url: str
    site: str
    version: int
    version_count: int
    title: str | None
    captured_at: datetime
    score: float
    snippet: str
    snippet_parts: list[SnippetPart]

    @classmethod
    def of(cls, hit: SearchHit) -> SearchResult:
        parts = snippet_segments(hit.snippet, MARK_OPEN, MARK_CLOSE)
        return cls(
            url=hit.url,
            site=hit.site,
            version=hit.version,
            version_count=hit.version_count,
            title=hit.title,
            captured_at=hit.captured_at,
            score=hit.score,
            snippet="".join(text for text, _ in parts),
            snippet_parts=[SnippetPart(text=text, match=match) for text, match in parts],
        )


class DiffRunModel(BaseModel):
    op: str
    text: str


class DiffResult(BaseModel):
    """Word-level diff of two versions: runs of kept ('='), removed ('-') and added ('+') text."""

    url: str
    from_version: int
    to_version: int
    from_captured_at: datetime
    to_captured_at: datetime
    change: dict[str, Any] | None
    title: list[DiffRunModel]
    byline: list[DiffRunModel]
    text: list[DiffRunModel]

    @classmethod
    def of(cls, diff: VersionDiff) -> DiffResult:
        def runs(items: list[DiffRun]) -> list[DiffRunModel]:
            return [DiffRunModel(op=r.op, text=r.text) for r in items]

        return cls(
            url=diff.new.url,
            from_version=diff.old.version,
            to_version=diff.new.version,
            from_captured_at=diff.old.captured_at,
            to_captured_at=diff.new.captured_at,
            change=diff.new.change,
            title=runs(diff.title),
            byline=runs(diff.byline),
            text=runs(diff.text),
        )
