"""The archive's storage layer: SQL models, capture recording, queries. Never imports Scrapy."""

from storage.archive import record_capture, record_failure, record_not_modified
from storage.content import ArticleContent, content_hash, normalise_text
from storage.database import DEFAULT_DATABASE_URL, Archive
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
from storage.search import InvalidQuery, SearchUnavailable, search
from storage.urls import InvalidURL, canonical_url

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
    "search",
    "stats",
    "write_csv",
    "write_jsonl",
]
