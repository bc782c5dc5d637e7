"""Re-extraction: what the current extractor makes of stored pages, recorded as new versions."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.changes import PreviousContent, summarise_change
from storage.content import ArticleContent
from storage.listing import site_matches
from storage.models import Article, Capture, Site, Version
from storage.records import ReextractCandidate, ReextractResult
from storage.version_rows import latest_content, version_from_content
from storage.versioning import NewContent, VersionOutcome, decide_version


def reextract_candidates(session: Session, *, site: str | None = None) -> list[ReextractCandidate]:
    """For each article, the most recent successful capture whose raw body was kept."""
    ranked = (
        select(
            Capture.id,
            Capture.article_id,
            Capture.raw_body_sha256,
            Capture.content_type,
            Capture.fetched_at,
            func.row_number()
            .over(
                # An expression, so SQLite reads the captures with a body off their partial
                # index instead of walking every capture in article order.
                partition_by=Capture.article_id + 0,
                order_by=(Capture.fetched_at.desc(), Capture.id.desc()),
            )
            .label("rank"),
        )
        .where(
            Capture.raw_body_sha256.is_not(None),
            Capture.outcome.in_(("new", "changed", "unchanged")),
        )
        .subquery()
    )
    query = (
        select(
            Article.id,
            Article.url,
            Article.version_count,
            ranked.c.id,
            ranked.c.raw_body_sha256,
            ranked.c.content_type,
            ranked.c.fetched_at,
        )
        .join(ranked, ranked.c.article_id == Article.id)
        .where(ranked.c.rank == 1, Article.version_count > 0)
        .order_by(Article.id)
    )
    if site:
        query = query.join(Site, Site.id == Article.site_id).where(site_matches(site))
    return [ReextractCandidate(*row) for row in session.execute(query)]


def record_reextraction(
    session: Session,
    candidate: ReextractCandidate,
    content: ArticleContent,
    *,
    dry_run: bool = False,
) -> ReextractResult:
    """Record what the current extractor makes of the body behind an article's latest version.

    Same content hash: nothing changes. Different: a new version numbered after the latest,
    with ``origin='reextract'``, the new extractor version, the body's capture time, and a
    change summary holding ``reextract_of`` (the version it re-reads). The publisher did not
    edit anything, so such a version is never a stealth edit and carries no new notices.
    With ``dry_run`` nothing is written: a difference is reported as ``would_change``.
    """
    article = session.scalars(
        select(Article).where(Article.id == candidate.article_id).with_for_update()
    ).one()
    if article.version_count != candidate.version:
        return ReextractResult(
            article.url, "stale", article.version_count, "a newer capture arrived meanwhile"
        )
    latest = session.scalars(
        select(Version).where(
            Version.article_id == article.id, Version.number == article.version_count
        )
    ).one()
    new = NewContent.of(content)
    decision = decide_version(latest_content(latest), new)
    if decision.outcome is VersionOutcome.UNCHANGED:
        return ReextractResult(article.url, "unchanged", latest.number)
    if decision.outcome is VersionOutcome.EMPTY:
        return ReextractResult(article.url, "empty", latest.number, "no article text")
    if decision.outcome is VersionOutcome.COLLAPSED:
        return ReextractResult(
            article.url,
            "collapsed",
            latest.number,
            f"text shrank from {decision.latest_chars} to {decision.new_chars} characters; kept",
        )
    if dry_run:
        return ReextractResult(
            article.url, "would_change", latest.number, f"would re-read v{latest.number}"
        )
    number = latest.number + 1
    change = _change(session, latest, content, new.content_hash)
    version = _reextracted_version(
        article, latest, content, new.content_hash, candidate, number, change
    )
    try:
        with session.begin_nested():
            session.add(version)
            article.version_count = number
            session.flush()
    except IntegrityError:
        return ReextractResult(article.url, "stale", latest.number, "a newer version arrived")
    return ReextractResult(article.url, "reextracted", number, f"re-read v{latest.number}")


def _change(
    session: Session, latest: Version, content: ArticleContent, digest: str
) -> dict[str, Any]:
    """The change summary of a re-extraction: no notices, never a stealth edit."""
    previous = PreviousContent(
        title=latest.title,
        authors=list(latest.authors),
        text=latest.text,
        published_at=latest.published_at,
        modified_at=latest.modified_at,
    )
    earlier = session.scalar(
        select(Version.number)
        .where(Version.article_id == latest.article_id, Version.content_hash == digest)
        .order_by(Version.number.desc())
        .limit(1)
    )
    change = dataclasses.replace(
        summarise_change(previous, content, earlier), notices=[], stealth_edit=False
    ).as_json()
    change["reextract_of"] = latest.number
    change["previous_extractor_version"] = latest.extractor_version
    return change


def _reextracted_version(
    article: Article,
    latest: Version,
    content: ArticleContent,
    digest: str,
    candidate: ReextractCandidate,
    number: int,
    change: dict[str, Any],
) -> Version:
    captured_at: datetime = max(candidate.fetched_at, latest.captured_at)
    if latest.body_source in ("amp", "rendered") and content.body_source == "html":
        # The stored raw body of a shell read through its AMP version is the AMP page; that of
        # a rendered page is the DOM the browser rendered.
        content = dataclasses.replace(content, body_source=latest.body_source)
    return version_from_content(
        content,
        article_id=article.id,
        number=number,
        digest=digest,
        captured_at=captured_at,
        last_confirmed_at=max(latest.last_confirmed_at, captured_at),
        origin="reextract",
        change=change,
    )
