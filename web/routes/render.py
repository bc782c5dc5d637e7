"""Rendering a page template with the context every page shares."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response


def page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, template, context, headers=headers
    )


def page_links(request: Request, page: int, has_next: bool) -> dict[str, str | None]:
    """Root-relative links to the previous and next page of the current list."""

    def link(number: int) -> str:
        url = request.url.include_query_params(page=number)
        return f"{url.path}?{url.query}"

    return {
        "prev": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if has_next else None,
    }
