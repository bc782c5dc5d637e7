"""The web app's errors, and how each becomes a response: JSON for the API, a page for people.

WebError
├── BadRequest      a query parameter or header could not be understood (400)
└── PageNotFound    nothing is archived under that name (404)

Storage's NotFound maps to 404, a malformed search query (InvalidQuery) and FastAPI's validation
errors to 400 (never 422 or 500), a database without full-text search to 503.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storage import NotFound, StorageError
from storage.search import InvalidQuery, SearchUnavailable

log = logging.getLogger(__name__)

_MACHINE_PREFIXES = ("/api/", "/timemap/", "/timegate/", "/feeds/", "/cdx/", "/web/")


class WebError(Exception):
    """Base of the errors raised by the web app's own code."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(WebError):
    """A query parameter or header is malformed or out of range."""

    status_code = 400


class PageNotFound(WebError):
    """No page, article, version or site matches the request."""

    status_code = 404


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(_MACHINE_PREFIXES)


def error_response(request: Request, status: int, message: str) -> Response:
    """An error as JSON ({"error": {...}}) for machine paths, else as an HTML page."""
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        location = ".".join(str(p) for p in item.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{location or 'request'}: {item.get('msg', 'invalid value')}")
    return "invalid parameter: " + "; ".join(parts)


async def _on_validation(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return error_response(request, 400, _validation_message(error))


async def _on_web_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, WebError)
    return error_response(request, error.status_code, error.message)


async def _on_not_found(request: Request, error: Exception) -> Response:
    return error_response(request, 404, str(error))


async def _on_invalid_query(request: Request, error: Exception) -> Response:
    return error_response(request, 400, str(error))


async def _on_search_unavailable(request: Request, error: Exception) -> Response:
    return error_response(request, 503, str(error))


async def _on_storage_error(request: Request, error: Exception) -> Response:
    log.error("storage error on %s: %s", request.url.path, error)
    return error_response(request, 503, "the archive could not be read; try again later")


async def _on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = str(error.detail) if error.detail else "error"
    if error.status_code == 404:
        message = "no such page"
    response = error_response(request, error.status_code, message)
    if error.headers:
        response.headers.update(error.headers)
    return response


class UnexpectedErrorMiddleware:
    """Turns an unhandled exception into a plain 500 inside the other middleware.

    Starlette's own last-resort handler sits outside every user middleware, so its 500 would
    miss the security headers; this one answers first and logs the traceback.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unexpected error on %s", scope.get("path"))
            if not started:
                response = JSONResponse(
                    {"error": {"status": 500, "message": "internal error"}}, status_code=500
                )
                await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(WebError, _on_web_error)
    app.add_exception_handler(NotFound, _on_not_found)
    app.add_exception_handler(InvalidQuery, _on_invalid_query)
    app.add_exception_handler(SearchUnavailable, _on_search_unavailable)
    app.add_exception_handler(StorageError, _on_storage_error)
    app.add_exception_handler(HTTPException, _on_http_error)
