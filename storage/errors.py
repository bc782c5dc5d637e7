"""The storage error tree; callers catch at the level they can act on.

StorageError
├── SchemaError            the database schema does not match this code
│   └── SchemaTooNew       the database was migrated by a newer newsarchive
├── ArchiveMissing         a read-only command named an archive that does not exist
├── NotFound
│   ├── ArticleNotFound    no archived article has that URL
│   └── VersionNotFound    the article has no such version
├── DatabaseBusy           another process held the write lock past every retry
└── StorageFull            the disk or the database's size limit is reached
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of every error raised by ``storage``."""


class SchemaError(StorageError):
    """The database schema does not match what this code expects."""


class SchemaTooNew(SchemaError):
    """The database was migrated by a newer version of newsarchive."""


class ArchiveMissing(StorageError):
    """A command that only reads was pointed at an archive that does not exist (or is empty)."""


class NotFound(StorageError):
    """A looked-up row does not exist."""


class ArticleNotFound(NotFound):
    """No archived article has the given URL (or any alias of it)."""

    def __init__(self, url: str) -> None:
        super().__init__(f"no archived article for {url}")
        self.url = url


class VersionNotFound(NotFound):
    """The article exists but has no version matching the request."""


class DatabaseBusy(StorageError):
    """Another process kept the database locked past the busy timeout and every retry."""


class StorageFull(StorageError):
    """The disk, or the database's configured size limit, is full."""
