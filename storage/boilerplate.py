"""Site-level boilerplate: paragraphs that recur across many of a site's archived articles.

A paragraph found in the latest versions of at least ``min_articles`` distinct articles of a
site, and in at least ``min_share`` of the recent articles examined, is boilerplate for that
site (the same newsletter prompt or banner inside every article body). What was learned is
kept in the ``site_boilerplate`` table, with how many articles carried it, so it can be
explained.

Versions already archived are never rewritten. A new capture is compared with the article's
latest version both with and without the learned paragraphs, so learning a banner never makes
a new version of an article that did not change (see ``without_site_boilerplate``). Learned
paragraphs are not forgotten when they become rarer: that would make them reappear in new
captures and turn every unchanged article into a new version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.content import ArticleContent, content_hash, normalise_text
from storage.models import Article, ArticleAlias, Site, SiteBoilerplate, Version
from storage.timeutil import utcnow
from storage.urls import url_hash

__all__ = [
    "DEFAULT_MIN_ARTICLES",
    "DEFAULT_MIN_SHARE",
    "DEFAULT_RECENT_ARTICLES",
    "LearnedParagraph",
    "learn_site_boilerplate",
    "paragraph_key",
    "site_boilerplate",
    "strip_paragraphs",
    "without_site_boilerplate",
]

log = logging.getLogger(__name__)

DEFAULT_MIN_ARTICLES = 5
DEFAULT_MIN_SHARE = 0.3
DEFAULT_RECENT_ARTICLES = 200


@dataclass(frozen=True)
class LearnedParagraph:
    """One learned boilerplate paragraph of a site, and the evidence for it."""

    paragraph: str
    article_count: int
    articles_examined: int
    first_learned_at: datetime
    last_learned_at: datetime


def paragraph_key(line: str) -> str:
    """The form paragraphs are compared in: normalised (NFC, quotes, spaces), case-folded."""
    return normalise_text(line).casefold()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _site(session: Session, host: str) -> Site | None:
    return session.scalar(select(Site).where(Site.host == host))


def _latest_texts(session: Session, site_id: int, recent: int) -> list[str]:
    """Texts of the latest versions of the site's most recently captured articles."""
    rows = session.scalars(
        select(Version.text)
        .join(Article, Article.id == Version.article_id)
        .where(Article.site_id == site_id, Version.number == Article.version_count)
        .order_by(Article.last_captured_at.desc(), Article.id.desc())
        .limit(recent)
    )
    return list(rows)


def learn_site_boilerplate(
    session: Session,
    host: str,
    *,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    min_share: float = DEFAULT_MIN_SHARE,
    recent: int = DEFAULT_RECENT_ARTICLES,
    now: datetime | None = None,
    unless_unchanged: bool = False,
) -> list[LearnedParagraph]:
    """Learn the site's boilerplate from its archived articles, store it, return all of it.

    Paragraphs learned earlier stay (with their last counts) even if they are rarer now.
    ``unless_unchanged`` (what a crawl asks for): when no version of the site's articles was
    added since the last learning (``sites.boilerplate_basis`` is still the id of its newest
    version), return what is stored without reading the texts again. They are the same texts,
    so only a change of thresholds could teach more; `newsarchive boilerplate learn` (which
    always learns) is for that.
    """
    site = _site(session, host)
    if site is None:
        return []
    newest = session.scalar(
        select(func.max(Version.id))
        .join(Article, Article.id == Version.article_id)
        .where(Article.site_id == site.id)
    )
    if unless_unchanged and newest is not None and site.boilerplate_basis == newest:
        return site_boilerplate(session, host)
    site.boilerplate_basis = newest
    now = now or utcnow()
    texts = _latest_texts(session, site.id, recent)
    counts, shown = _line_counts(texts)
    needed = max(min_articles, min_share * len(texts))
    existing = {
        row.paragraph_hash: row
        for row in session.scalars(
            select(SiteBoilerplate).where(SiteBoilerplate.site_id == site.id)
        )
    }
    for key, count in counts.items():
        if count >= needed:
            _store_learned(session, existing, site.id, shown[key], count, len(texts), now, host)
    session.flush()
    return _records(existing.values())


def _line_counts(texts: list[str]) -> tuple[Counter[str], dict[str, str]]:
    """In how many texts each line occurs (case-folded key), and the line as first shown."""
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for text in texts:
        keys: dict[str, str] = {}
        for line in normalise_text(text).split("\n"):
            if line:
                keys.setdefault(line.casefold(), line)
        counts.update(keys.keys())
        for key, line in keys.items():
            shown.setdefault(key, line)
    return counts, shown


def _store_learned(
    session: Session,
    existing: dict[str, SiteBoilerplate],
    site_id: int,
    paragraph: str,
    count: int,
    examined: int,
    now: datetime,
    host: str,
) -> None:
    """Add a newly learned paragraph, or refresh the counts of one learned before."""
    digest = _digest(paragraph.casefold())
    row = existing.get(digest)
    if row is None:
        row = SiteBoilerplate(
            site_id=site_id,
            paragraph_hash=digest,
            paragraph=paragraph,
            first_learned_at=now,
            article_count=count,
            articles_examined=examined,
            last_learned_at=now,
        )
        session.add(row)
        existing[digest] = row
        log.info("learned boilerplate for %s (%d of %d articles)", host, count, examined)
    else:
        row.article_count = count
        row.articles_examined = examined
        row.last_learned_at = now


def site_boilerplate(session: Session, host: str) -> list[LearnedParagraph]:
    """What was learned for ``host`` (most widespread first); empty for an unknown site."""
    site = _site(session, host)
    if site is None:
        return []
    rows = session.scalars(select(SiteBoilerplate).where(SiteBoilerplate.site_id == site.id))
    return _records(rows)


def _records(rows: object) -> list[LearnedParagraph]:
    records = [
        LearnedParagraph(
            paragraph=row.paragraph,
            article_count=row.article_count,
            articles_examined=row.articles_examined,
            first_learned_at=row.first_learned_at,
            last_learned_at=row.last_learned_at,
        )
        for row in rows  # type: ignore[attr-defined]
    ]
    return sorted(records, key=lambda r: (-r.article_count, r.paragraph))


def strip_paragraphs(text: str, keys: frozenset[str]) -> str:
    """``text`` without the lines whose paragraph_key is in ``keys``.

    Returns ``text`` itself when nothing matches, and also when every line would go (a page
    made only of boilerplate is an extraction problem for the collapse check, not for this).
    """
    if not keys:
        return text
    lines = text.split("\n")
    kept = [line for line in lines if paragraph_key(line) not in keys]
    if len(kept) == len(lines) or not any(line.strip() for line in kept):
        return text
    return "\n".join(kept)


def _latest_hash(session: Session, urls: list[str]) -> str | None:
    for url in urls:
        article = session.scalar(
            select(Article).join(ArticleAlias).where(ArticleAlias.url_hash == url_hash(url))
        )
        if article is not None and article.version_count:
            return session.scalar(
                select(Version.content_hash).where(
                    Version.article_id == article.id, Version.number == article.version_count
                )
            )
    return None


def without_site_boilerplate(
    session: Session, content: ArticleContent, keys: frozenset[str], urls: list[str]
) -> ArticleContent:
    """``content`` with the site's learned paragraphs removed, unless that alone would differ
    from the article's latest version.

    ``urls`` are the article's canonical URL candidates. If the unstripped content is exactly
    the latest version (archived before the paragraph was learned), it is returned as is, so
    record_capture sees an unchanged article; the boilerplate leaves that article's versions
    with its next real change.
    """
    stripped_text = strip_paragraphs(content.text, keys)
    if stripped_text is content.text:
        return content
    stripped = dataclasses.replace(content, text=stripped_text)
    latest = _latest_hash(session, urls)
    if latest is not None and latest == content_hash(content) != content_hash(stripped):
        return content
    return stripped
