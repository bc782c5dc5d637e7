"""Restoring exported versions from JSON lines, with their numbers, times and hashes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, ArticleAlias, Site, Version
from storage.records import ExportedVersion, ImportSummary
from storage.timeutil import utcnow
from storage.urls import InvalidURL, canonical_url, url_hash
from storage.validation import InvalidImport, versions_from_jsonl

__all__ = ["InvalidImport", "import_versions", "parse_jsonl", "versions_from_jsonl"]


def parse_jsonl(lines: Iterable[bytes | str], *, source: str = "line") -> Iterator[ExportedVersion]:
    """Read versions from JSON lines (as ``write_jsonl`` writes them); blank lines are skipped.

    Strict: raises InvalidImport naming the first line that ``storage.validation`` refuses.
    ``versions_from_jsonl`` skips such lines and reports them instead (what import-jsonl does).
    """
    skipped: list[str] = []
    for record in versions_from_jsonl(lines, skipped, source=source):
        if skipped:
            break
        yield record
    if skipped:
        raise InvalidImport(skipped[0].removesuffix("; skipped"))


def _article_for(session: Session, record: ExportedVersion, summary: ImportSummary) -> Article:
    try:
        lookup = canonical_url(record.url)
    except InvalidURL:
        lookup = record.url
    for candidate in dict.fromkeys((record.url, lookup)):
        found = session.scalar(
            select(Article).join(ArticleAlias).where(ArticleAlias.url_hash == url_hash(candidate))
        )
        if found is not None:
            return found
    site = session.scalar(select(Site).where(Site.host == record.site))
    if site is None:
        site = Site(host=record.site, name=record.site_name, created_at=utcnow())
        session.add(site)
        session.flush()
    article = Article(
        url=record.url,
        url_hash=url_hash(record.url),
        site_id=site.id,
        first_seen_at=record.first_seen_at,
        last_captured_at=None,
        version_count=0,
    )
    session.add(article)
    session.flush()
    session.add(
        ArticleAlias(
            url=record.url,
            url_hash=article.url_hash,
            article_id=article.id,
            first_seen_at=record.first_seen_at,
        )
    )
    summary.articles_created += 1
    return article


def import_versions(session: Session, versions: Iterable[ExportedVersion]) -> ImportSummary:
    """Restore exported versions, keeping their numbers, times, hashes and change summaries.

    A version already archived under the same number with the same content hash is counted as
    present (re-importing a file is harmless). A version is added only as the article's next
    number; anything else (a gap, or a different content under an existing number) is skipped
    and reported in ``problems``. Captures and raw bodies are not part of a JSONL export.
    """
    summary = ImportSummary()
    for record in versions:
        article = _article_for(session, record, summary)
        if record.version <= article.version_count:
            existing = session.scalar(
                select(Version.content_hash).where(
                    Version.article_id == article.id, Version.number == record.version
                )
            )
            if existing == record.content_hash:
                summary.versions_present += 1
            else:
                summary.problems.append(
                    f"{record.url} v{record.version}: the archive holds different content "
                    "under this number; skipped"
                )
            continue
        if record.version != article.version_count + 1:
            summary.problems.append(
                f"{record.url} v{record.version}: expected v{article.version_count + 1} next "
                "(versions must arrive in order, without gaps); skipped"
            )
            continue
        session.add(
            Version(
                article_id=article.id,
                number=record.version,
                **{name: getattr(record, name) for name in _VERSION_FIELDS},
            )
        )
        article.version_count = record.version
        latest = max(record.captured_at, record.last_confirmed_at)
        if article.last_captured_at is None or article.last_captured_at < latest:
            article.last_captured_at = latest
        summary.versions_imported += 1
        session.flush()
    return summary


_VERSION_FIELDS = [
    name
    for name in (f.name for f in dataclasses.fields(ExportedVersion))
    if name not in ("url", "site", "first_seen_at", "version")
]
