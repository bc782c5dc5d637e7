"""WACZ 1.1.1 packages: the WARC export, its CDXJ index, a page per article, a datapackage."""

from __future__ import annotations

import hashlib
import heapq
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import iso_date_to_timestamp

from storage.listing import site_matches
from storage.models import Article, Site, Version
from storage.records import WarcSummary
from storage.surt import surt
from storage.warc_export import write_warc

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
# Index lines sorted in memory at a time; longer indexes are merged from sorted runs on disk.
SORT_RUN = 20_000
PAGES_BATCH = 500
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WaczSummary:
    """What a WACZ export wrote."""

    warc: WarcSummary
    pages: int


class _Index:
    """CDXJ lines of the response and revisit records, sorted in bounded memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lines: list[str] = []
        self.runs: list[Path] = []

    def add(self, record: ArcWarcRecord, offset: int, length: int) -> None:
        if record.rec_type not in ("response", "revisit"):
            return
        uri = record.rec_headers.get_header("WARC-Target-URI")
        http = record.http_headers
        mime = (http.get_header("Content-Type") or "").split(";")[0].strip() if http else ""
        fields = {
            "url": uri,
            "mime": "warc/revisit" if record.rec_type == "revisit" else mime or "unk",
            "status": http.get_statuscode() if http else "-",
            "digest": record.rec_headers.get_header("WARC-Payload-Digest") or "-",
            "length": str(length),
            "offset": str(offset),
            "filename": WARC_NAME,
        }
        timestamp = iso_date_to_timestamp(record.rec_headers.get_header("WARC-Date"))
        self.lines.append(f"{surt(uri)} {timestamp} {json.dumps(fields)}\n")
        if len(self.lines) >= SORT_RUN:
            self._spill()

    def _spill(self) -> None:
        run = self.folder / f"run{len(self.runs)}.cdxj"
        run.write_text("".join(sorted(self.lines)), encoding="utf-8")
        self.runs.append(run)
        self.lines = []

    def write(self, out: IO[str]) -> None:
        self._spill()
        handles = [run.open(encoding="utf-8") for run in self.runs]
        try:
            out.writelines(heapq.merge(*handles))
        finally:
            for handle in handles:
                handle.close()


def _pages(
    session: Session, site: str | None, since: datetime | None, until: datetime | None
) -> Iterator[dict[str, Any]]:
    """One page per article: its URL, its latest version's title and capture time."""
    query = (
        select(Article.id, Article.url, Version.title, Version.captured_at)
        .join(
            Version, (Version.article_id == Article.id) & (Version.number == Article.version_count)
        )
        .order_by(Article.id)
    )
    if site:
        query = query.join(Site, Site.id == Article.site_id).where(site_matches(site))
    if since is not None:
        query = query.where(Version.captured_at >= since)
    if until is not None:
        query = query.where(Version.captured_at < until)
    for article_id, url, title, captured_at in session.execute(
        query.execution_options(yield_per=PAGES_BATCH)
    ):
        page = {"id": f"article-{article_id}", "url": url, "ts": _iso(captured_at)}
        if title:
            page["title"] = title
        yield page


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hashed(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, "sha256:" + digest.hexdigest()


def write_wacz(
    session: Session,
    out: IO[bytes],
    *,
    site: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    title: str = "newsarchive export",
    on_progress: Callable[[int], None] | None = None,
) -> WaczSummary:
    """Write a WACZ: the WARC export (storage.warc_export), a CDXJ index of it, pages.jsonl.

    Everything is written to a temporary folder first (the WARC, sorted index runs, the page
    list), then stored uncompressed in the ZIP as WACZ asks, with a datapackage.json listing
    each file's sha256 and a datapackage-digest.json.
    """
    with tempfile.TemporaryDirectory(prefix="newsarchive-wacz-") as tmp:
        folder = Path(tmp)
        files = {
            "archive/" + WARC_NAME: folder / WARC_NAME,
            "indexes/index.cdxj": folder / "index.cdxj",
            "pages/pages.jsonl": folder / "pages.jsonl",
        }
        index = _Index(folder)
        with files["archive/" + WARC_NAME].open("wb") as warc:
            summary = write_warc(
                session,
                warc,
                site=site,
                since=since,
                until=until,
                info={"format": "WARC File Format 1.1"},
                on_progress=on_progress,
                on_record=index.add,
            )
        with files["indexes/index.cdxj"].open("w", encoding="utf-8") as handle:
            index.write(handle)
        pages = 0
        with files["pages/pages.jsonl"].open("w", encoding="utf-8") as handle:
            header = {"format": "json-pages-1.0", "id": "pages", "title": "All articles"}
            handle.write(json.dumps(header) + "\n")
            for page in _pages(session, site, since, until):
                handle.write(json.dumps(page, ensure_ascii=False) + "\n")
                pages += 1
        _zip(out, files, title)
    return WaczSummary(warc=summary, pages=pages)


def _zip(out: IO[bytes], files: dict[str, Path], title: str) -> None:
    resources = []
    for name, path in files.items():
        size, digest = _hashed(path)
        resources.append({"name": Path(name).name, "path": name, "hash": digest, "bytes": size})
    package = {
        "profile": "data-package",
        "resources": resources,
        "title": title,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wacz_version": WACZ_VERSION,
        "software": "newsarchive",
    }
    package_bytes = json.dumps(package, indent=2).encode("utf-8")
    package_digest = {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest(),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as wacz:
        for name, path in files.items():
            with path.open("rb") as source, wacz.open(name, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, _CHUNK)
        wacz.writestr("datapackage.json", package_bytes)
        wacz.writestr("datapackage-digest.json", json.dumps(package_digest, indent=2))
