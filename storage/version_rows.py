"""Version rows: built from extracted content, written with one plain INSERT."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select
from sqlalchemy.orm import Session

from storage.content import ArticleContent
from storage.inserts import table_of
from storage.models import Version
from storage.prepared import Prepared
from storage.versioning import LatestContent

_VERSIONS = table_of(Version)
_INSERT_VERSION = Prepared(insert(_VERSIONS).returning(_VERSIONS.c.id))
_VERSION_COLUMNS = tuple(attr for attr in inspect(Version).column_attrs if attr.key != "id")
_PUBLISHED = Prepared(
    select(_VERSIONS.c.published_at).where(
        _VERSIONS.c.article_id == bindparam("article_id"),
        _VERSIONS.c.number == bindparam("number"),
    )
)


def published_of(session: Session, article_id: int, number: int) -> datetime | None:
    """The published date of version ``number`` of the article."""
    published: datetime | None = _PUBLISHED.scalar(
        session, {"article_id": article_id, "number": number}
    )
    return published


def latest_content(version: Version | None) -> LatestContent | None:
    """What ``decide_version`` compares new content against (None: no version yet)."""
    if version is None:
        return None
    return LatestContent(
        title=version.title,
        authors=tuple(version.authors),
        text=version.text,
        content_hash=version.content_hash,
    )


def insert_version(session: Session, version: Version) -> None:
    """Write ``version`` with a plain INSERT and set its id.

    The row is never updated in the same transaction: the unit of work's bookkeeping for one
    new object costs more than the statement itself.
    """
    values = {column.key: getattr(version, column.key) for column in _VERSION_COLUMNS}
    version.id = int(_INSERT_VERSION.scalar(session, values))


def version_from_content(
    content: ArticleContent,
    *,
    article_id: int,
    number: int,
    digest: str,
    captured_at: datetime,
    last_confirmed_at: datetime,
    origin: str,
    change: dict[str, Any] | None,
) -> Version:
    """A version row holding ``content`` (not added to the session)."""
    return Version(
        article_id=article_id,
        number=number,
        captured_at=captured_at,
        last_confirmed_at=last_confirmed_at,
        title=content.title,
        authors=list(content.authors),
        published_at=content.published_at,
        modified_at=content.modified_at,
        description=content.description,
        text=content.text,
        language=content.language,
        site_name=content.site_name,
        top_image=content.top_image,
        section=content.section,
        tags=list(content.tags),
        paywalled=content.paywalled,
        content_hash=digest,
        extractor=content.extractor,
        extractor_version=content.extractor_version,
        origin=origin,
        change=change,
        body_source=content.body_source,
    )
