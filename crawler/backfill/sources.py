"""Archives by name or URL, and the URL of a capture's raw bytes as originally served.

``wayback`` names the public Wayback Machine (configuration only: no test contacts it). Any
other ``--archive`` is a URL, read as a CDX endpoint when its path ends in ``/cdx`` (pywb's
``/COLLECTION/cdx``, the Wayback Machine's ``/cdx/search/cdx``) and as a TimeMap base otherwise
(the article URL is appended: ``http://host/timemap/link/`` + URL). ``cdx:URL`` and
``timemap:URL`` say which explicitly.

Raw bytes: a Wayback-style replay URL ``.../TIMESTAMP/URL`` gets the ``id_`` modifier
(``.../TIMESTAMPid_/URL``), which pywb and the Wayback Machine answer with the capture exactly
as archived, without banner or rewritten links. A memento URL of any other shape is fetched as
the archive serves it (docs/backfill.md says what that means for a newsarchive ``serve``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

__all__ = ["ArchiveKind", "ArchiveSource", "UnknownArchive", "archive_source", "raw_memento_url"]

WAYBACK_CDX = "https://web.archive.org/cdx/search/cdx"
WAYBACK_REPLAY = "https://web.archive.org/web"
_REPLAY_TIMESTAMP = re.compile(r"/(\d{4,14})(?:[a-z]{2}_)?/(?=[a-zA-Z][a-zA-Z0-9+.-]*:)")


class UnknownArchive(ValueError):
    """An --archive value that names no archive this tool knows how to read."""


class ArchiveKind(StrEnum):
    CDX = "cdx"
    TIMEMAP = "timemap"


@dataclass(frozen=True)
class ArchiveSource:
    """One archive: how its captures are listed, and where their replays live."""

    kind: ArchiveKind
    endpoint: str  # the CDX endpoint, or the TimeMap base the article URL is appended to
    replay: str | None = None  # CDX only: the replay prefix, ``{replay}/{timestamp}id_/{url}``

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).netloc.lower()

    def timemap_url(self, url: str) -> str:
        return self.endpoint + url

    def raw_capture_url(self, timestamp: str, url: str) -> str:
        return f"{self.replay}/{timestamp}id_/{url}"


def _cdx(endpoint: str) -> ArchiveSource:
    path = urlsplit(endpoint).path.rstrip("/")
    if path.endswith("/cdx/search/cdx"):
        replay = endpoint[: endpoint.rindex("/cdx/search/cdx")] + "/web"
    else:
        replay = endpoint.rstrip("/").removesuffix("/cdx")
    return ArchiveSource(ArchiveKind.CDX, endpoint.rstrip("/"), replay)


def archive_source(value: str) -> ArchiveSource:
    """The archive ``value`` names: ``wayback``, ``cdx:URL``, ``timemap:URL`` or a URL."""
    if value.strip().lower() == "wayback":
        return ArchiveSource(ArchiveKind.CDX, WAYBACK_CDX, WAYBACK_REPLAY)
    kind, _, rest = value.partition(":")
    if kind in ("cdx", "timemap") and rest.startswith(("http://", "https://")):
        return _cdx(rest) if kind == "cdx" else ArchiveSource(ArchiveKind.TIMEMAP, rest)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UnknownArchive(
            f"--archive {value!r}: give 'wayback', a CDX endpoint URL (ending in /cdx) or a "
            "TimeMap base URL"
        )
    if parts.path.rstrip("/").endswith("/cdx"):
        return _cdx(value)
    return ArchiveSource(ArchiveKind.TIMEMAP, value)


def raw_memento_url(memento_uri: str) -> str:
    """The memento's raw form (``id_``) where its URL is Wayback-style; else itself."""
    match = _REPLAY_TIMESTAMP.search(memento_uri)
    if match is None:
        return memento_uri
    return f"{memento_uri[: match.start()]}/{match.group(1)}id_/{memento_uri[match.end() :]}"
