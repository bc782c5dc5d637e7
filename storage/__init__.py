"""The archive's storage layer: SQL models, capture recording, queries. Never imports Scrapy."""

from storage.archive import record_capture, record_failure, record_not_modified
from storage.content import ArticleContent, content_hash, normalise_text
from storage.database import DEFAULT_DATABASE_URL, Archive
from storage.errors import (
    ArticleNotFound,
    DatabaseBusy,
    NotFound,
    SchemaError,
    SchemaTooNew,
    StorageError,
    StorageFull,
    VersionNotFound,
)
from storage.queries import find_article, get_version, history
from storage.records import (
    CaptureFailure,
    CaptureResult,
    FetchedPage,
    VersionRecord,
    VersionSummary,
)
from storage.schema import open_archive
from storage.urls import InvalidURL, canonical_url

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Archive",
    "ArticleContent",
    "ArticleNotFound",
    "CaptureFailure",
    "CaptureResult",
    "DatabaseBusy",
    "FetchedPage",
    "InvalidURL",
    "NotFound",
    "SchemaError",
    "SchemaTooNew",
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
    "normalise_text",
    "open_archive",
    "record_capture",
    "record_failure",
    "record_not_modified",
]
