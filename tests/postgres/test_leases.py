"""A URL is fetched by one worker only: leases are checked before sending and when finishing."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from crawler.items import DiscoveredLinks, PageFetched
from crawler.middlewares.leases import LEASE_META, Lease, LeaseCheckMiddleware, LeaseLost
from crawler.scheduling import OWNER_LENGTH, lease_owner_for
from crawler.spiders.frontier import FrontierSpider
from storage import Archive
from storage.frontier import (
    FrontierURL,
    add_to_frontier,
    complete_fetch,
    confirm_lease,
    fail_fetch,
    lease_due,
    renew_leases,
)
from storage.models import FrontierEntry
from storage.records import FetchedPage

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
LEASE = 60.0
AFTER_EXPIRY = T0 + timedelta(seconds=LEASE + 1)


def leased_to(archive: Archive, owner: str, count: int = 1, now: datetime = T0) -> list[int]:
    """Add ``count`` due URLs and lease them all to ``owner``; return their row ids."""
    urls = [
        FrontierURL(f"https://news.example/{owner}/{n}", "article", "feed") for n in range(count)
    ]
    archive.run_write(lambda s: add_to_frontier(s, urls, now=now, scope="news"))
    rows = archive.run_write(
        lambda s: lease_due(s, owner, now=now, limit=count, lease_seconds=LEASE)
    )
    return [row.id for row in rows]


def row(archive: Archive, entry_id: int) -> FrontierEntry:
    with archive.read() as session:
        found = session.get(FrontierEntry, entry_id)
        assert found is not None
        return found


def taken_over(archive: Archive) -> int:
    """A URL leased by worker ``old``, whose lease expired and went to worker ``new``."""
    [entry_id] = leased_to(archive, "old")
    again = archive.run_write(
        lambda s: lease_due(s, "new", now=AFTER_EXPIRY, limit=1, lease_seconds=LEASE)
    )
    assert [r.id for r in again] == [entry_id]
    return entry_id


def test_a_lease_taken_over_is_not_finished_by_its_old_owner(archive: Archive) -> None:
    entry_id = taken_over(archive)
    late = AFTER_EXPIRY + timedelta(seconds=5)
    completed = archive.run_write(
        lambda s: complete_fetch(s, entry_id, now=late, outcome="read", owner="old")
    )
    failed = archive.run_write(
        lambda s: fail_fetch(s, entry_id, now=late, reason="timeout", retryable=True, owner="old")
    )
    assert (completed, failed) == (False, False)
    kept = row(archive, entry_id)
    assert (kept.lease_owner, kept.last_fetched_at, kept.last_outcome) == ("new", None, None)
    # The new holder finishes it.
    assert archive.run_write(
        lambda s: complete_fetch(s, entry_id, now=late, outcome="read", owner="new")
    )
    done = row(archive, entry_id)
    assert (done.lease_owner, done.last_outcome, done.next_fetch_at) == (None, "read", None)


def test_a_worker_confirms_a_lease_it_holds_and_not_one_it_lost(archive: Archive) -> None:
    lost = taken_over(archive)
    [held] = leased_to(archive, "worker-a", now=AFTER_EXPIRY)
    # Past its first expiry (nobody took it meanwhile) the lease is still held, and extended.
    confirm_at = AFTER_EXPIRY + timedelta(seconds=LEASE + 30)
    assert archive.run_write(
        lambda s: confirm_lease(s, held, "worker-a", now=confirm_at, lease_seconds=LEASE)
    )
    assert row(archive, held).lease_expires_at == confirm_at + timedelta(seconds=LEASE)
    assert not archive.run_write(
        lambda s: confirm_lease(s, lost, "old", now=confirm_at, lease_seconds=LEASE)
    )
    assert row(archive, lost).lease_owner == "new"


def check(middleware: LeaseCheckMiddleware, request: Request) -> None:
    asyncio.run(middleware.process_request(request))


def frontier_request(entry_id: int, owner: str, since: float) -> Request:
    lease = Lease(owner, LEASE, since)
    return Request("https://news.example/a/0", meta={"frontier_id": entry_id, LEASE_META: lease})


def test_a_worker_does_not_fetch_a_url_whose_lease_went_to_another(
    archive: Archive, db_url: str
) -> None:
    entry_id = taken_over(archive)
    now = [0.0]
    middleware = LeaseCheckMiddleware(lambda: archive, clock=lambda: now[0])
    # Leased at 0 and waiting in the queue ever since: at 61 s it is another worker's.
    now[0] = LEASE + 1
    with pytest.raises(LeaseLost):
        check(middleware, frontier_request(entry_id, "old", since=0.0))
    # The new holder's request is sent.
    check(middleware, frontier_request(entry_id, "new", since=0.0))


def test_a_request_that_waited_long_extends_the_lease_it_still_holds(
    archive: Archive, db_url: str
) -> None:
    [entry_id] = leased_to(archive, "worker-a")
    before = row(archive, entry_id).lease_expires_at
    assert before is not None
    now = [0.0]
    middleware = LeaseCheckMiddleware(lambda: archive, clock=lambda: now[0])
    young = frontier_request(entry_id, "worker-a", since=0.0)
    now[0] = 1.0
    check(middleware, young)  # just leased: no need to ask the database
    assert row(archive, entry_id).lease_expires_at == before
    old = frontier_request(entry_id, "worker-a", since=0.0)
    now[0] = LEASE * 0.9
    check(middleware, old)
    extended = row(archive, entry_id).lease_expires_at
    assert extended is not None
    assert extended > before
    assert old.meta[LEASE_META].since == LEASE * 0.9


def test_a_lost_lease_is_not_recorded_as_a_failed_fetch() -> None:
    spider = FrontierSpider.from_crawler(get_crawler(FrontierSpider))
    spider.leases.exhausted = True  # no lease-ahead from this unit test
    failure = Failure(LeaseLost("the lease of https://news.example/a/0 went to another worker"))
    assert list(spider.on_error(failure)) == []


def test_lease_owners_fit_their_column() -> None:
    owner = lease_owner_for("w" * 24, base="h" * 30 + ":4194304:0123abcd")
    assert len(owner) <= OWNER_LENGTH
    assert owner.startswith("h" * 30 + ":4194304:0123abcd:w")


@pytest.mark.postgres_only
def test_renewing_leases_never_waits_for_a_write_in_progress(archive: Archive) -> None:
    """A renewal skips a row the worker's write batch holds, instead of (dead)locking with it."""
    busy, *others = leased_to(archive, "worker-a", count=3)
    locked, release = threading.Event(), threading.Event()

    def write_batch() -> None:
        def work(session: Session) -> None:
            session.execute(select(FrontierEntry).where(FrontierEntry.id == busy).with_for_update())
            locked.set()
            release.wait(30)

        archive.run_write(work)

    batch = threading.Thread(target=write_batch)
    batch.start()
    try:
        assert locked.wait(30)

        def renew(session: Session) -> int:
            session.execute(text("SET LOCAL lock_timeout = '2s'"))  # fail, not hang, if it waits
            return renew_leases(session, "worker-a", now=T0, lease_seconds=LEASE)

        renewed = archive.run_write(renew)
    finally:
        release.set()
        batch.join()
    assert renewed == len(others)


def test_a_fetch_whose_capture_could_not_be_written_is_counted() -> None:
    """Its lease is given back at the end of the crawl and it is fetched again: say so."""

    class Stats:
        def __init__(self) -> None:
            self.values: dict[str, int] = {}

        def inc_value(self, key: str, count: int = 1) -> None:
            self.values[key] = self.values.get(key, 0) + count

    class Crawler:
        def __init__(self) -> None:
            self.stats = Stats()

    spider = FrontierSpider()
    crawler = Crawler()
    spider.crawler = crawler  # type: ignore[assignment]
    page = FetchedPage("https://news.example/a/0", "https://news.example/a/0", T0, 200, {}, b"")
    spider.on_item_error(item=PageFetched(page, "feed", frontier_id=7, scope="news"))
    spider.on_item_error(item=DiscoveredLinks(8, "news", kind="sitemap"))
    spider.on_item_error(item=PageFetched(page, "url"))  # one-off archiving: no frontier row
    assert crawler.stats.values == {
        "frontier/unrecorded/article": 1,
        "frontier/unrecorded/sitemap": 1,
    }
