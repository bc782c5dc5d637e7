"""Exporting versions, streamed in constant memory: the row iterator and JSONL / CSV writers."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.listing import site_matches
from storage.models import Article, Site, Version
from storage.records import ExportedVersion

STREAM_BATCH = 200
FIELDS = [f.name for f in dataclasses.fields(ExportedVersion)]
_VERSION_COLUMNS = FIELDS[FIELDS.index("captured_at") :]
# Cells a spreadsheet would run as a formula (or that hide one behind a tab or CR).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def iter_versions(
    session: Session,
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[ExportedVersion]:
    """Every version (optionally of one site, captured between ``since`` and ``until``).

    Ordered by article, then version number, and streamed from a server-side cursor in batches,
    so memory stays flat however large the archive. Consume it while ``session`` is open.
    """
    query = (
        select(
            Article.url.label("url"),
            Site.host.label("site"),
            Article.first_seen_at.label("first_seen_at"),
            Version.number.label("version"),
            *(getattr(Version, name).label(name) for name in _VERSION_COLUMNS),
        )
        .join(Article, Article.id == Version.article_id)
        .join(Site, Site.id == Article.site_id)
        .order_by(Version.article_id, Version.number)
    )
    if site:
        query = query.where(site_matches(site))
    if since is not None:
        query = query.where(Version.captured_at >= since)
    if until is not None:
        query = query.where(Version.captured_at < until)
    for row in session.execute(query.execution_options(yield_per=STREAM_BATCH)):
        values = row._asdict()
        values["authors"] = list(values["authors"] or [])
        values["tags"] = list(values["tags"] or [])
        yield ExportedVersion(**values)


def as_json_object(version: ExportedVersion) -> dict[str, Any]:
    """The version as a JSON-ready dict: datetimes become ISO 8601 strings with offset."""
    row = dataclasses.asdict(version)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def write_jsonl(versions: Iterable[ExportedVersion], out: TextIO) -> int:
    """One JSON object per version per line; returns how many were written."""
    count = 0
    for version in versions:
        out.write(json.dumps(as_json_object(version), ensure_ascii=False) + "\n")
        count += 1
    return count


def spreadsheet_safe(value: str) -> str:
    """``value`` with a leading apostrophe if a spreadsheet would take it for a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return spreadsheet_safe("; ".join(value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return spreadsheet_safe(str(value))


def write_csv(versions: Iterable[ExportedVersion], out: TextIO) -> int:
    """A header row and one row per version, every cell safe to open in a spreadsheet.

    Lists are joined with '; ', the change summary is JSON. Returns the number of rows.
    """
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    count = 0
    for version in versions:
        writer.writerow([_csv_cell(getattr(version, name)) for name in FIELDS])
        count += 1
    return count
