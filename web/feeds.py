"""Atom feeds of detected changes (all sites, one site, one article); entries link to diffs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from storage import get_version
from storage.activity import ChangeEntry
from web import catalog
from web.deps import BaseURL, SessionDep
from web.params import HOST_PATTERN, ArticleURL, Paging
from web.views import change_entry, describe_change, iso, path_with, web_link, xml_safe

router = APIRouter(prefix="/feeds", tags=["feeds"])

ATOM = "application/atom+xml; charset=utf-8"
ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_LENGTH = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

HostPath = Annotated[str, Path(max_length=255, pattern=HOST_PATTERN)]


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = xml_safe(text)
    return element


def _summary(entry: ChangeEntry) -> str:
    return describe_change(
        change_entry(
            entry.version, entry.captured_at, entry.title, entry.change, archive=entry.archive
        )
    )


def atom_feed(base: str, title: str, self_path: str, entries: list[ChangeEntry]) -> bytes:
    """An Atom 1.0 document; every text goes through ElementTree, so it is always escaped."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(feed, "title", title)
    _text(feed, "id", base + self_path)
    updated = max((e.captured_at for e in entries), default=EPOCH)
    _text(feed, "updated", iso(updated))
    ET.SubElement(feed, "link", {"rel": "self", "href": base + self_path})
    ET.SubElement(feed, "link", {"rel": "alternate", "href": base + "/changes"})
    _text(ET.SubElement(feed, "author"), "name", "newsarchive")
    for entry in entries:
        diff = base + path_with(
            "/diff", url=entry.url, **{"from": entry.version - 1, "to": entry.version}
        )
        item = ET.SubElement(feed, "entry")
        _text(item, "title", f"{entry.title or entry.url} (v{entry.version})")
        _text(item, "id", diff)
        _text(item, "updated", iso(entry.captured_at))
        ET.SubElement(item, "link", {"rel": "alternate", "type": "text/html", "href": diff})
        ET.SubElement(
            item,
            "link",
            {"rel": "related", "href": base + path_with("/article", url=entry.url)},
        )
        memento = web_link(entry.memento_url)
        if memento:  # backfilled: where the archived capture is (RFC 4287 "via")
            ET.SubElement(item, "link", {"rel": "via", "href": memento})
        _text(item, "summary", f"{entry.site}: {_summary(entry)}")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _response(document: bytes) -> Response:
    return Response(document, media_type=ATOM)


_FEED: dict[int | str, dict[str, Any]] = {200: {"content": {ATOM: {}}}}


@router.get("/changes.atom", response_class=Response, responses=_FEED, summary="All changes")
def all_changes(session: SessionDep, base: BaseURL) -> Response:
    entries = catalog.recent_changes(session, Paging(1, FEED_LENGTH)).items
    return _response(atom_feed(base, "newsarchive: changes", "/feeds/changes.atom", list(entries)))


@router.get(
    "/sites/{host}/changes.atom",
    response_class=Response,
    responses=_FEED,
    summary="Changes on one site",
)
def site_changes(session: SessionDep, base: BaseURL, host: HostPath) -> Response:
    entries = catalog.recent_changes(session, Paging(1, FEED_LENGTH), site=host).items
    path = f"/feeds/sites/{host}/changes.atom"
    return _response(atom_feed(base, f"newsarchive: changes on {host}", path, list(entries)))


@router.get(
    "/article.atom", response_class=Response, responses=_FEED, summary="Changes to one article"
)
def article_changes(
    session: SessionDep, base: BaseURL, url: Annotated[ArticleURL, Query()]
) -> Response:
    record = get_version(session, url)
    entries = catalog.recent_changes(session, Paging(1, FEED_LENGTH), article_url=record.url).items
    path = path_with("/feeds/article.atom", url=record.url)
    title = f"newsarchive: changes to {record.title or record.url}"
    return _response(atom_feed(base, title, path, list(entries)))
