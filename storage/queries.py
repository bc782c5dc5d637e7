"""Reading the archive: find an article by any of its URLs, its history, one version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import ArticleNotFound, VersionNotFound
from storage.models import Article, ArticleAlias, Version
from storage.provenance import ArchiveOrigin, archive_origins
from storage.records import VersionRecord, VersionSummary
from storage.script import count_words
from storage.urls import InvalidURL, canonical_url, url_hash


def find_article(session: Session, url: str) -> Article:
    """The article that ``url`` (canonical or any alias, tracking parameters ignored) belongs to."""
    try:
        canonical = canonical_url(url)
    except InvalidURL:
        raise ArticleNotFound(url) from None
    # The same path over the other scheme is the same article for a person typing a URL.
    other_scheme = (
        "http://" + canonical.removeprefix("https://")
        if canonical.startswith("https://")
        else "https://" + canonical.removeprefix("http://")
    )
    for candidate in (canonical, other_scheme):
        article = session.scalar(
            select(Article).join(ArticleAlias).where(ArticleAlias.url_hash == url_hash(candidate))
        )
        if article is not None:
            return article
    raise ArticleNotFound(url)


def _summary(version: Version, origin: ArchiveOrigin | None = None) -> VersionSummary:
    return VersionSummary(
        version=version.number,
        captured_at=version.captured_at,
        last_confirmed_at=version.last_confirmed_at,
        title=version.title,
        content_hash=version.content_hash,
        words=count_words(version.text),
        origin=version.origin,
        extractor_version=version.extractor_version,
        change=version.change,
        archive=origin.archive if origin else None,
        memento_url=origin.memento_url if origin else None,
        body_source=version.body_source,
    )


def _record(
    article: Article, version: Version, origin: ArchiveOrigin | None = None
) -> VersionRecord:
    return VersionRecord(
        url=article.url,
        version=version.number,
        version_count=article.version_count,
        captured_at=version.captured_at,
        last_confirmed_at=version.last_confirmed_at,
        title=version.title,
        authors=list(version.authors),
        published_at=version.published_at,
        modified_at=version.modified_at,
        description=version.description,
        text=version.text,
        language=version.language,
        site_name=version.site_name,
        top_image=version.top_image,
        section=version.section,
        tags=list(version.tags),
        paywalled=version.paywalled,
        content_hash=version.content_hash,
        extractor=version.extractor,
        extractor_version=version.extractor_version,
        origin=version.origin,
        change=version.change,
        body_source=version.body_source,
        archive=origin.archive if origin else None,
        memento_url=origin.memento_url if origin else None,
    )


def history(
    session: Session, url: str, *, changed_field: str | None = None
) -> list[VersionSummary]:
    """Every version of the article at ``url``, oldest first.

    ``changed_field`` ('headline', 'body', 'byline', 'dates') keeps only versions whose change
    from the previous version touched that field.
    """
    article = find_article(session, url)
    versions = list(
        session.scalars(
            select(Version).where(Version.article_id == article.id).order_by(Version.number)
        )
    )
    origins = archive_origins(session, [v.id for v in versions])
    summaries = [_summary(version, origins.get(version.id)) for version in versions]
    if changed_field:
        summaries = [s for s in summaries if s.change and changed_field in s.change["fields"]]
    return summaries


def get_version(
    session: Session, url: str, *, number: int | None = None, at: datetime | None = None
) -> VersionRecord:
    """One version of the article: by number, as it was at time ``at``, or the latest."""
    article = find_article(session, url)
    query = select(Version).where(Version.article_id == article.id)
    if number is not None:
        if number < 0:
            number = article.version_count + 1 + number
        query = query.where(Version.number == number)
    elif at is not None:
        query = query.where(Version.captured_at <= at).order_by(Version.number.desc()).limit(1)
    else:
        query = query.where(Version.number == article.version_count)
    version = session.scalar(query)
    if version is None:
        if number is not None:
            raise VersionNotFound(
                f"{article.url} has no version {number} (it has {article.version_count})"
            )
        if at is not None:
            raise VersionNotFound(f"{article.url} had not been archived yet at {at.isoformat()}")
        raise VersionNotFound(f"{article.url} has no archived version yet")
    return _record(article, version, archive_origins(session, [version.id]).get(version.id))
