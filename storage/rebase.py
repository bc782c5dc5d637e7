"""Comparing like with like after an extractor upgrade.

A version records the extractor version that made it. When the latest version was made by
another extractor version than the content just extracted, the two texts can differ only
because the extractor changed: comparing them would record an edit that never happened. So the
raw body behind the latest version is read again with the current extractor (the caller's
``reread``; storage never imports the crawler) and the new content is compared against that.

Nothing is cached: the caller's reading may depend on the archive's state (the crawler removes
a site's learned boilerplate from it). So every revisit of an article whose latest version an
older extractor made costs one extra extraction, until the page really changes or
`newsarchive reextract` rebases the archive (which is why docs/extraction.md says to run it
after an upgrade).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.content import ArticleContent
from storage.models import Capture, Version
from storage.rawbodies import load_raw_body
from storage.versioning import (
    LatestContent,
    NewContent,
    VersionDecision,
    VersionOutcome,
    decide_version,
)

__all__ = ["Reread", "decide_like_with_like"]

#: Extracts a stored raw body (body, url, content type) with the current extractor; None when
#: the current extractor finds no article in it.
Reread = Callable[[bytes, str | None, str | None], ArticleContent | None]


def decide_like_with_like(
    session: Session,
    latest: Version | None,
    content: ArticleContent,
    new: NewContent,
    decision: VersionDecision,
    reread: Reread | None,
) -> VersionDecision:
    """``decision``, or UNCHANGED if the latest version's own page, re-read, equals ``new``.

    Only a decision that would record something (new or collapsed) over a latest version made
    by another extractor version is reconsidered; without a stored body it stands.
    """
    if (
        reread is None
        or latest is None
        or decision.outcome not in (VersionOutcome.NEW, VersionOutcome.COLLAPSED)
        or latest.extractor_version == content.extractor_version
    ):
        return decision
    rebased = _reread_latest(session, latest, reread)
    if rebased is None:
        return decision
    again = decide_version(rebased, new)
    if again.outcome is VersionOutcome.UNCHANGED:
        return VersionDecision(VersionOutcome.UNCHANGED, decision.new_chars, decision.latest_chars)
    return decision


def _reread_latest(session: Session, latest: Version, reread: Reread) -> LatestContent | None:
    """What the current extractor makes of the raw body that produced ``latest``."""
    row = session.execute(
        select(
            Capture.raw_body_sha256,
            func.coalesce(Capture.final_url, Capture.requested_url),
            Capture.content_type,
        )
        .where(Capture.version_id == latest.id, Capture.raw_body_sha256.is_not(None))
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).first()
    if row is None or row[0] is None:
        return None
    digest: str = row[0]
    url, content_type = row[1], row[2]
    body = load_raw_body(session, digest)
    content = reread(body, url, content_type) if body is not None else None
    if content is None:
        return None
    again = NewContent.of(content)
    return LatestContent(again.title, again.authors, again.text, again.content_hash)
