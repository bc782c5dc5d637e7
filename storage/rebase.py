"""Comparing like with like after an extractor upgrade.

A version records the extractor version that made it. When the latest version was made by
another extractor version than the content just extracted, the two texts can differ only
because the extractor changed: comparing them would record an edit that never happened. So the
raw body behind the latest version is read again with the current extractor (the caller's
``reread``; storage never imports the crawler) and the new content is compared against that.

The re-read content is remembered per (raw body, extractor version) in this process, so a page
revisited again in the same run is not re-read twice; a new process re-reads it once more on
its first revisit, until the page really changes or `newsarchive reextract` rebases the
archive for good.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import select
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

_MEMO_SIZE = 4096
_memo: OrderedDict[tuple[str, str], LatestContent | None] = OrderedDict()


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
    rebased = _reread_latest(session, latest, content.extractor_version, reread)
    if rebased is None:
        return decision
    again = decide_version(rebased, new)
    if again.outcome is VersionOutcome.UNCHANGED:
        return VersionDecision(VersionOutcome.UNCHANGED, decision.new_chars, decision.latest_chars)
    return decision


def _reread_latest(
    session: Session, latest: Version, extractor_version: str, reread: Reread
) -> LatestContent | None:
    """What the current extractor makes of the raw body that produced ``latest``."""
    row = session.execute(
        select(Capture.raw_body_sha256, Capture.final_url, Capture.content_type)
        .where(Capture.version_id == latest.id, Capture.raw_body_sha256.is_not(None))
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).first()
    if row is None or row[0] is None:
        return None
    digest: str = row[0]
    url, content_type = row[1], row[2]
    key = (digest, extractor_version)
    if key in _memo:
        _memo.move_to_end(key)
        return _memo[key]
    body = load_raw_body(session, digest)
    content = reread(body, url, content_type) if body is not None else None
    rebased = None
    if content is not None:
        again = NewContent.of(content)
        rebased = LatestContent(again.title, again.authors, again.text, again.content_hash)
    _memo[key] = rebased
    if len(_memo) > _MEMO_SIZE:
        _memo.popitem(last=False)
    return rebased
