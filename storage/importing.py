"""Writing versions that no new fetch produced: JSONL restores and re-extractions."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.archive import COLLAPSE_MIN_CHARS, COLLAPSE_RATIO, version_from_content
from storage.changes import PreviousContent, summarise_change
from storage.content import ArticleContent, content_hash, normalise_text
from storage.errors import StorageError
from storage.listing import site_matches
from storage.models import Article, ArticleAlias, Capture, Site, Version
from storage.records import ExportedVersion, ImportSummary, ReextractCandidate, ReextractResult
from storage.timeutil import parse_instant, utcnow
from storage.urls import InvalidURL, canonical_url, host_of, url_hash

REQUIRED = ("url", "version", "captured_at", "text")
_DATETIMES = ("first_seen_at", "captured_at", "last_confirmed_at", "published_at", "modified_at")
_FIELDS = {f.name for f in dataclasses.fields(ExportedVersion)}


class InvalidImport(StorageError):
    """An import file holds a record that cannot be read; the message names the line."""


def _version_from_json(data: dict[str, Any], where: str) -> ExportedVersion:
    missing = [name for name in REQUIRED if data.get(name) in (None, "")]
    if missing:
        raise InvalidImport(f"{where}: missing {', '.join(missing)}")
    values: dict[str, Any] = {name: data.get(name) for name in _FIELDS}
    try:
        for name in _DATETIMES:
            if isinstance(values[name], str):
                values[name] = parse_instant(values[name])
    except ValueError as error:
        raise InvalidImport(f"{where}: {error}") from None
    values["url"] = str(values["url"])
    values["site"] = values["site"] or host_of(values["url"])
    values["first_seen_at"] = values["first_seen_at"] or values["captured_at"]
    values["last_confirmed_at"] = values["last_confirmed_at"] or values["captured_at"]
    values["authors"] = list(values["authors"] or [])
    values["tags"] = list(values["tags"] or [])
    values["extractor"] = values["extractor"] or "import"
    values["extractor_version"] = values["extractor_version"] or ""
    values["origin"] = values["origin"] or "capture"
    if not isinstance(values["version"], int) or values["version"] < 1:
        raise InvalidImport(f"{where}: version must be a whole number from 1")
    if not values["content_hash"]:
        values["content_hash"] = content_hash(
            ArticleContent(
                text=values["text"], title=values["title"], authors=tuple(values["authors"])
            )
        )
    return ExportedVersion(**values)


def parse_jsonl(lines: Iterable[str], *, source: str = "line") -> Iterator[ExportedVersion]:
    """Read versions from JSON lines (as ``write_jsonl`` writes them); blank lines are skipped.

    Raises InvalidImport naming the line for a record that is not a JSON object with at least
    url, version, captured_at and text.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source} {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise InvalidImport(f"{where}: not JSON ({error.msg})") from None
        if not isinstance(data, dict):
            raise InvalidImport(f"{where}: expected a JSON object")
        yield _version_from_json(data, where)


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
                partition_by=Capture.article_id,
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
    session: Session, candidate: ReextractCandidate, content: ArticleContent
) -> ReextractResult:
    """Record what the current extractor makes of the body behind an article's latest version.

    Same content hash: nothing changes. Different: a new version numbered after the latest,
    with ``origin='reextract'``, the new extractor version, the body's capture time, and a
    change summary holding ``reextract_of`` (the version it re-reads). The publisher did not
    edit anything, so such a version is never a stealth edit and carries no new notices.
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
    digest = content_hash(content)
    text = normalise_text(content.text)
    if digest == latest.content_hash:
        return ReextractResult(article.url, "unchanged", latest.number)
    if not text:
        return ReextractResult(article.url, "empty", latest.number, "no article text")
    if len(latest.text) >= COLLAPSE_MIN_CHARS and len(text) < COLLAPSE_RATIO * len(latest.text):
        return ReextractResult(
            article.url,
            "collapsed",
            latest.number,
            f"text shrank from {len(latest.text)} to {len(text)} characters; kept",
        )
    previous = PreviousContent(
        title=latest.title,
        authors=list(latest.authors),
        text=latest.text,
        published_at=latest.published_at,
        modified_at=latest.modified_at,
    )
    earlier = session.scalar(
        select(Version.number)
        .where(Version.article_id == article.id, Version.content_hash == digest)
        .order_by(Version.number.desc())
        .limit(1)
    )
    change = dataclasses.replace(
        summarise_change(previous, content, earlier), notices=[], stealth_edit=False
    ).as_json()
    change["reextract_of"] = latest.number
    change["previous_extractor_version"] = latest.extractor_version
    number = latest.number + 1
    try:
        with session.begin_nested():
            session.add(
                _reextracted_version(article, latest, content, digest, candidate, number, change)
            )
            article.version_count = number
            session.flush()
    except IntegrityError:
        return ReextractResult(article.url, "stale", latest.number, "a newer version arrived")
    return ReextractResult(article.url, "reextracted", number, f"re-read v{latest.number}")


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
