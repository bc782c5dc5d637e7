"""Request dependencies: a read session on the archive, paging, the absolute base URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from storage import Archive
from web.params import PageNumber, Paging, PerPage


def read_session(request: Request) -> Iterator[Session]:
    """A read transaction on the archive for the length of one request."""
    archive: Archive = request.app.state.archive
    with archive.read() as session:
        yield session


def paging(page: PageNumber = 1, per_page: PerPage = 20) -> Paging:
    return Paging(page=page, per_page=per_page)


def base_url(request: Request) -> str:
    """The app's absolute root, from the (already checked) Host header, without the slash."""
    return str(request.base_url).rstrip("/")


SessionDep = Annotated[Session, Depends(read_session)]
PagingDep = Annotated[Paging, Depends(paging)]
BaseURL = Annotated[str, Depends(base_url)]
