"""The HTTP validators (ETag, Last-Modified) of the last good live fetch of an archived URL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.articles import article_for_urls, canonical_or_none
from storage.models import Capture


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends: a 304 answer then confirms the latest version."""

    etag: str | None
    last_modified: str | None


def validators_for(session: Session, urls: Iterable[str]) -> dict[str, Validators]:
    """For each archived URL, the validators its last successful live fetch answered with.

    URLs never archived, or whose last good fetch sent neither header, are left out. Captures
    from web archives (backfill) are never used: their headers are the archive's, not the site's.
    """
    found: dict[str, Validators] = {}
    for url in urls:
        canonical = canonical_or_none(url)
        article = article_for_urls(session, [canonical]) if canonical else None
        if article is None:
            continue
        row = session.execute(
            select(Capture.etag, Capture.last_modified)
            .where(
                Capture.article_id == article.id,
                Capture.http_status == 200,
                Capture.archive.is_(None),
                Capture.error_reason.is_(None),
            )
            .order_by(Capture.fetched_at.desc(), Capture.id.desc())
            .limit(1)
        ).first()
        if row is not None and (row.etag or row.last_modified):
            found[url] = Validators(row.etag, row.last_modified)
    return found
