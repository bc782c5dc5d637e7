"""SQLite archive files as paths: where a URL's file is, read-only media, the read-only URI.

Standard library only, so a read-only command can open a SQLite archive without SQLAlchemy
(storage/read_only.py); storage/database.py uses the same functions for its engines.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

__all__ = ["on_read_only_media", "plain_sqlite_path", "read_only_uri", "shown_path"]

# sqlite:///relative.db, sqlite:////absolute.db (pysqlite, the default driver), nothing more.
_PLAIN_SQLITE_URL = re.compile(r"sqlite(?:\+pysqlite)?:///(?P<path>[^?%]+)")


def plain_sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL (no query, no escapes), else None (any other URL).

    A guard for the fast read path, not a parser: what it does not recognise goes through
    SQLAlchemy's own URL parsing (storage.database.sqlite_file) as before.
    """
    match = _PLAIN_SQLITE_URL.fullmatch(url)
    if match is None:
        return None
    database = match["path"]
    if database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def on_read_only_media(path: Path) -> bool:
    """Whether ``path`` is not to be written: a read-only file, directory or file system.

    Judged by the permission bits too, not only by ``access()``: root may write anything, but a
    file or folder someone made read-only (a snapshot, evidence) is not to be touched.
    """
    folder = path.resolve().parent
    for target in (path, folder):
        if not os.access(target, os.W_OK) or not target.stat().st_mode & 0o222:
            return True
    return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens ``path`` without writing to it or beside it.

    ``mode=ro`` when SQLite may keep its shared-memory file beside the database (another
    process may be writing: the WAL is read), ``immutable=1`` when nothing beside the file can
    be created, i.e. on read-only media, where no process can be changing it either. A WAL file
    left beside a read-only copy is read through ``mode=ro`` when it is there.
    """
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if on_read_only_media(path) and not wal.exists():
        uri += "&immutable=1"
    return uri


def shown_path(path: Path) -> str:
    """A path as the user gave it: ``./newsarchive.db`` for a bare file name."""
    text = str(path)
    return text if path.is_absolute() or text.startswith(".") else f"./{text}"
