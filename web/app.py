"""The web application: routers, static files, host check and security headers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles

from storage import Archive
from web import cdx, feeds, memento, raw_capture
from web.config import WebConfig
from web.errors import UnexpectedErrorMiddleware, install_error_handlers
from web.routes import api_archive, api_articles, articles, search, sites
from web.security import SecurityHeadersMiddleware
from web.templating import make_templates

STATIC_DIR = Path(__file__).resolve().parent / "static"

DESCRIPTION = """Read-only access to a newsarchive archive: full-text search, articles and every
version of them, word-level diffs, sites and crawl runs. Lists are paginated with `page` and
`per_page`; each page carries `next` and `prev` links. Errors are `{"error": {"status",
"message"}}`; a malformed parameter is a 400."""


def create_app(
    archive: Archive, config: WebConfig | None = None, *, close_archive: bool = False
) -> FastAPI:
    """A read-only app over ``archive``: the caller opens it, and closes it unless
    ``close_archive`` (the app closes it when it shuts down: a worker process's own)."""
    config = config or WebConfig()

    @asynccontextmanager
    async def closing(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            archive.close()

    app = FastAPI(
        lifespan=closing if close_archive else None,
        title="newsarchive",
        description=DESCRIPTION,
        version="1",
        docs_url=None,  # Swagger UI needs scripts from a CDN; the schema itself is served
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.archive = archive
    app.state.config = config
    app.state.templates = make_templates()
    for router in (
        api_archive.router,
        api_articles.router,
        memento.router,
        cdx.router,
        raw_capture.router,
        feeds.router,
        search.router,
        articles.router,
        sites.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=config.allowed_hosts)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: host rejections get it too
    return app
