"""The archive's storage layer: SQL models, capture recording, queries. Never imports Scrapy.

The names below load on first use (PEP 562): `from storage import X` costs only the module X
lives in, so a read-only command does not import the write path. Full-text search is
`storage.search.search` (a package-level alias would be shadowed by the subpackage).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.archive import record_capture, record_failure, record_not_modified
    from storage.content import ArticleContent, content_hash, normalise_text
    from storage.database import Archive
    from storage.defaults import DEFAULT_DATABASE_URL
    from storage.errors import (
        ArchiveMissing,
        ArticleNotFound,
        DatabaseBusy,
        NotFound,
        SchemaError,
        SchemaTooNew,
        StorageError,
        StorageFull,
        VersionNotFound,
    )
    from storage.export import iter_versions, write_csv, write_jsonl
    from storage.importing import InvalidImport, import_versions, parse_jsonl
    from storage.kinds import CaptureReason, FrontierKind
    from storage.listing import list_articles, stats
    from storage.queries import find_article, get_version, history
    from storage.records import (
        ArticleListing,
        CaptureFailure,
        CaptureResult,
        ExportedVersion,
        FetchedPage,
        ImportSummary,
        SearchHit,
        SiteStats,
        VersionRecord,
        VersionSummary,
    )
    from storage.schema import open_archive
    from storage.search import InvalidQuery, SearchUnavailable
    from storage.urls import InvalidURL, canonical_url

_WHERE: dict[str, str] = {
    "record_capture": "storage.archive",
    "record_failure": "storage.archive",
    "record_not_modified": "storage.archive",
    "ArticleContent": "storage.content",
    "content_hash": "storage.content",
    "normalise_text": "storage.content",
    "DEFAULT_DATABASE_URL": "storage.defaults",
    "Archive": "storage.database",
    "ArchiveMissing": "storage.errors",
    "ArticleNotFound": "storage.errors",
    "DatabaseBusy": "storage.errors",
    "NotFound": "storage.errors",
    "SchemaError": "storage.errors",
    "SchemaTooNew": "storage.errors",
    "StorageError": "storage.errors",
    "StorageFull": "storage.errors",
    "VersionNotFound": "storage.errors",
    "iter_versions": "storage.export",
    "write_csv": "storage.export",
    "write_jsonl": "storage.export",
    "InvalidImport": "storage.importing",
    "import_versions": "storage.importing",
    "parse_jsonl": "storage.importing",
    "CaptureReason": "storage.kinds",
    "FrontierKind": "storage.kinds",
    "list_articles": "storage.listing",
    "stats": "storage.listing",
    "find_article": "storage.queries",
    "get_version": "storage.queries",
    "history": "storage.queries",
    "ArticleListing": "storage.records",
    "CaptureFailure": "storage.records",
    "CaptureResult": "storage.records",
    "ExportedVersion": "storage.records",
    "FetchedPage": "storage.records",
    "ImportSummary": "storage.records",
    "SearchHit": "storage.records",
    "SiteStats": "storage.records",
    "VersionRecord": "storage.records",
    "VersionSummary": "storage.records",
    "open_archive": "storage.schema",
    "InvalidQuery": "storage.search",
    "SearchUnavailable": "storage.search",
    "InvalidURL": "storage.urls",
    "canonical_url": "storage.urls",
}

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Archive",
    "ArchiveMissing",
    "ArticleContent",
    "ArticleListing",
    "ArticleNotFound",
    "CaptureFailure",
    "CaptureReason",
    "CaptureResult",
    "DatabaseBusy",
    "ExportedVersion",
    "FetchedPage",
    "FrontierKind",
    "ImportSummary",
    "InvalidImport",
    "InvalidQuery",
    "InvalidURL",
    "NotFound",
    "SchemaError",
    "SchemaTooNew",
    "SearchHit",
    "SearchUnavailable",
    "SiteStats",
    "StorageError",
    "StorageFull",
    "VersionNotFound",
    "VersionRecord",
    "VersionSummary",
    "canonical_url",
    "content_hash",
    "find_article",
    "get_version",
    "history",
    "import_versions",
    "iter_versions",
    "list_articles",
    "normalise_text",
    "open_archive",
    "parse_jsonl",
    "record_capture",
    "record_failure",
    "record_not_modified",
    "stats",
    "write_csv",
    "write_jsonl",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use, and keep the name here."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
