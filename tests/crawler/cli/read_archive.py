"""A small archive for the read commands' output tests, built through the real write path.

Two sites (one with a www. host), an article with four versions (headline, body, byline and
dates changes, a correction notice, a flip-flop), an article first seen in a web archive
(backfilled), a single-version article with accents, an unchanged and a 304 capture, and a
failed fetch of a URL never archived (stats' "(no article)" row). Everything at fixed times,
so every command prints the same bytes on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import Archive, ArticleContent, FetchedPage, record_capture, record_failure
from storage.archive import record_not_modified
from storage.backfill import ArchivedCapture, record_backfilled_capture
from storage.models import FrontierEntry
from storage.records import CaptureFailure

BUDGET = "https://www.news.example/politics/budget-vote.html"
BRIDGE = "https://news.example/local/bridge-closure.html"
CAFE = "https://other.example/food/cafe-reopens.html"
MISSING = "https://news.example/gone.html"

_BUDGET_1 = (
    "The budget vote is scheduled for today in the city council.\n"
    "Council members said the debate would last several hours.\n"
    "The mayor urged a quick decision on the spending plan."
)
_BUDGET_2 = (
    "The budget vote passed in the city council after a long debate.\n"
    "Council members said the debate lasted several hours.\n"
    "The mayor urged a quick decision on the spending plan."
)
_BUDGET_3 = (
    "Correction: An earlier version misstated the vote count.\n"
    "The budget vote passed 7 to 2 in the city council after a long debate.\n"
    "Council members said the debate lasted several hours."
)
_BRIDGE_OLD = (
    "The old bridge will close for repairs next month, engineers said.\n"
    "Detours will send traffic through the town centre."
)
_BRIDGE_NEW = (
    "The old bridge will close for repairs next month, engineers said.\n"
    "Detours will send traffic through the town centre and the ring road."
)
_CAFE = (
    "Le Café du Marché reopens on Friday after a year of renovation.\n"
    "The owners said the budget for the works doubled."
)


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def _page(url: str, at: datetime, text: str = "", status: int = 200) -> FetchedPage:
    body = "".join(f"<p>{line}</p>" for line in text.splitlines())
    return FetchedPage(
        requested_url=url,
        final_url=url,
        fetched_at=at,
        http_status=status,
        headers={"content-type": "text/html; charset=utf-8"},
        body=f"<html><body><article>{body}</article></body></html>".encode(),
    )


def _content(title: str, text: str, **extra: Any) -> ArticleContent:
    return ArticleContent(
        text=text, title=title, extractor="test", extractor_version="test/1", **extra
    )


def build_read_archive(archive: Archive) -> None:
    """Fill ``archive`` (a new, migrated one) with the articles described above."""
    budget = [
        (_at(20), "Council to vote on budget", _BUDGET_1, ("Ann Writer",), None),
        (_at(20, 15), "Council passes budget", _BUDGET_2, ("Ann Writer",), _at(20, 14)),
        (_at(21), "Council passes budget 7-2", _BUDGET_3, ("Ann Writer", "Bo Li"), _at(20, 14)),
        (_at(22), "Council to vote on budget", _BUDGET_1, ("Ann Writer",), None),
    ]
    for at, title, text, authors, modified in budget:
        content = _content(
            title,
            text,
            authors=authors,
            published_at=_at(19, 9),
            modified_at=modified,
            language="en",
            site_name="News Example",
            section="Politics",
            tags=("budget", "council"),
        )
        archive.run_write(partial(record_capture, page=_page(BUDGET, at, text), content=content))
    same = _content(budget[-1][1], budget[-1][2], authors=("Ann Writer",))
    archive.run_write(lambda s: record_capture(s, _page(BUDGET, _at(23), _BUDGET_1), same))
    archive.run_write(lambda s: record_not_modified(s, _page(BRIDGE, _at(18), status=304)))

    archived = ArchivedCapture(
        page=_page(BRIDGE, _at(10), _BRIDGE_OLD),
        archive="https://web.archive.org/",
        memento_url="https://web.archive.org/web/20261110100000/" + BRIDGE,
    )
    old = _content("Bridge to close", _BRIDGE_OLD, body_source="jsonld")
    new = _content("Bridge to close for repairs", _BRIDGE_NEW, body_source="embedded_data")
    archive.run_write(lambda s: record_capture(s, _page(BRIDGE, _at(15), _BRIDGE_NEW), new))
    archive.run_write(lambda s: record_backfilled_capture(s, archived, old))
    archive.run_write(lambda s: record_not_modified(s, _page(BRIDGE, _at(24), status=304)))

    cafe = _content("Café reopens", _CAFE, language="fr", paywalled=True)
    archive.run_write(lambda s: record_capture(s, _page(CAFE, _at(16), _CAFE), cafe))

    failure = CaptureFailure("http_404", "404 Not Found")
    archive.run_write(lambda s: record_failure(s, _page(MISSING, _at(17), status=404), failure))


# `due` on the archive with the rows below, at this time, with this sites file (its cwd's).
DUE_NOW = "2026-11-25T12:00:00+00:00"
DUE_SITES = """\
[[site]]
name = "gazette"
feeds = ["https://gazette.example/rss.xml"]
interval = "2h"

[[site]]
name = "weekly"
sitemaps = ["https://weekly.example/sitemap.xml"]
interval = "7d"

[[site]]
name = "fresh"
feeds = ["https://fresh.example/feed"]
"""


def add_due_rows(archive: Archive) -> None:
    """What `due` reports on: seeds read or not, articles queued (one leased), revisits."""
    from storage.frontier import (
        FrontierURL,
        add_to_frontier,
        complete_fetch,
        lease_due,
        schedule_revisit,
    )
    from storage.models import Article

    def seeds(session: Session) -> None:
        for url, scope in (
            ("https://gazette.example/rss.xml", "gazette"),
            ("https://gazette.example/sitemap.xml", "gazette"),
            ("https://weekly.example/sitemap.xml", "weekly"),
        ):
            kind = "feed" if url.endswith(".xml") and "rss" in url else "sitemap"
            add_to_frontier(session, [FrontierURL(url, kind, "seed")], now=_at(20), scope=scope)
        read = {
            "https://gazette.example/rss.xml": _at(25, 9),
            "https://weekly.example/sitemap.xml": _at(21, 8),
        }
        for entry in session.scalars(select(FrontierEntry).order_by(FrontierEntry.id)):
            if entry.url in read:
                complete_fetch(session, entry.id, now=read[entry.url], outcome="read")
        queued = [
            FrontierURL(f"https://gazette.example/news/{n}.html", "article", "feed", 1)
            for n in ("alpha", "beta", "gamma", "delta")
        ]
        add_to_frontier(session, queued, now=_at(25, 10), scope="gazette")
        later = FrontierURL("https://weekly.example/later.html", "article", "sitemap", 1)
        add_to_frontier(session, [later], now=_at(26), scope="weekly")  # due tomorrow

    def lease(session: Session) -> None:  # one lease expired by DUE_NOW, one still held
        for seconds in (600, 7200):
            lease_due(session, "worker-a:1:x", now=_at(25, 11), limit=1, lease_seconds=seconds)

    def revisits(session: Session) -> None:
        for url, at in ((BUDGET, _at(24)), (CAFE, _at(25, 11)), (BRIDGE, _at(25, 11))):
            article_id = session.scalar(select(Article.id).where(Article.url == url))
            assert article_id is not None
            schedule_revisit(session, article_id, now=at)

    archive.run_write(seeds)
    archive.run_write(lease)
    archive.run_write(revisits)
