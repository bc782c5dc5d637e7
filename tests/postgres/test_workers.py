"""Cooperating workers on one database: leases, their expiry, discovery locks, shared delays."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from storage import open_archive
from storage.frontier import FrontierURL, add_to_frontier, lease_due, renew_leases
from storage.locks import acquire_lock, reserve_host_slot

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WORKERS = 6
T = TypeVar("T")


def together(work: Callable[[int], T], count: int = WORKERS) -> list[T]:
    """Run ``work(i)`` in ``count`` threads released at once at a barrier; re-raise any error."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(work(i))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def fill_frontier(db_url: str, count: int) -> None:
    urls = [FrontierURL(f"https://news.example/a/{n}", "article", "feed") for n in range(count)]
    with open_archive(db_url) as archive:
        archive.run_write(lambda s: add_to_frontier(s, urls, now=T0, scope="news"))


@pytest.mark.postgres_only
def test_concurrent_workers_never_lease_the_same_url(db_url: str) -> None:
    fill_frontier(db_url, 300)
    with open_archive(db_url) as archive:

        def lease(i: int) -> list[int]:
            ids: list[int] = []
            while batch := archive.run_write(
                lambda s: lease_due(s, f"worker-{i}", now=T0, limit=7)
            ):
                ids += [row.id for row in batch]
            return ids

        leased = together(lease)
    every = [entry for ids in leased for entry in ids]
    assert len(every) == 300
    assert len(set(every)) == 300
    assert sum(1 for ids in leased if ids) > 1  # the work was shared, not taken by one


def test_a_killed_workers_leases_expire_and_are_taken_over(db_url: str) -> None:
    fill_frontier(db_url, 5)
    with open_archive(db_url) as archive:
        dead = archive.run_write(
            lambda s: lease_due(s, "dead-worker", now=T0, limit=10, lease_seconds=300)
        )
        alive = archive.run_write(
            lambda s: lease_due(s, "live-worker", now=T0, limit=10, lease_seconds=300)
        )
        assert (len(dead), alive) == (5, [])
        # Before expiry nobody else gets them; right after it, another worker does.
        soon = T0 + timedelta(seconds=299)
        assert archive.run_write(lambda s: lease_due(s, "live-worker", now=soon, limit=10)) == []
        later = T0 + timedelta(seconds=301)
        taken = archive.run_write(lambda s: lease_due(s, "live-worker", now=later, limit=10))
    assert sorted(row.id for row in taken) == sorted(row.id for row in dead)


def test_a_live_worker_renews_its_leases_and_keeps_them(db_url: str) -> None:
    fill_frontier(db_url, 3)
    with open_archive(db_url) as archive:
        archive.run_write(lambda s: lease_due(s, "slow", now=T0, limit=10, lease_seconds=60))
        renew_at = T0 + timedelta(seconds=50)
        renewed = archive.run_write(
            lambda s: renew_leases(s, "slow", now=renew_at, lease_seconds=60)
        )
        after = T0 + timedelta(seconds=90)  # past the first lease, within the renewed one
        stolen = archive.run_write(lambda s: lease_due(s, "other", now=after, limit=10))
    assert (renewed, stolen) == (3, [])


def test_discovery_of_a_site_is_held_by_one_worker(db_url: str) -> None:
    with open_archive(db_url) as archive:

        def take(i: int) -> str | None:
            holder = archive.run_write(
                lambda s: acquire_lock(
                    s, "discovery:gazette", f"w{i}", now=T0, ttl=timedelta(minutes=5)
                )
            )
            return None if holder is not None else f"w{i}"

        winners = [w for w in together(take) if w is not None]
        assert len(winners) == 1
        # Expired (its worker died), it goes to the next one who asks.
        late = T0 + timedelta(minutes=6)
        assert (
            archive.run_write(
                lambda s: acquire_lock(
                    s, "discovery:gazette", "w-new", now=late, ttl=timedelta(minutes=5)
                )
            )
            is None
        )


def test_a_hosts_delay_is_shared_not_multiplied(db_url: str) -> None:
    """Six workers reserving at once get slots one delay apart, not six requests at once."""
    delay = timedelta(seconds=2)
    with open_archive(db_url) as archive:
        waits = together(
            lambda i: archive.run_write(
                lambda s: reserve_host_slot(s, "news.example", now=T0, delay=delay)
            )
        )
        other = archive.run_write(
            lambda s: reserve_host_slot(s, "other.example", now=T0, delay=delay)
        )
    # (On PostgreSQL the server's clock is used: the waits count from its now(), not T0.)
    assert sorted(round(w.total_seconds()) for w in waits) == [0, 2, 4, 6, 8, 10]
    assert other == timedelta(0)  # another host is not held up


def test_a_running_scheduler_renews_its_crawls_leases_in_time(db_url: str) -> None:
    """Leases shorter than the lock period are renewed before they expire, from the start."""
    from crawler.scheduling import SchedulerLock
    from storage.timeutil import utcnow

    fill_frontier(db_url, 2)
    with open_archive(db_url) as archive:
        leased = archive.run_write(
            lambda s: lease_due(s, "crawl-1", now=utcnow(), limit=10, lease_seconds=3)
        )
        lock = SchedulerLock(archive, "scheduler-1", "scheduler:worker:test")
        lock.acquire()
        lock.keep_leases("crawl-1", 3.0)
        try:
            time.sleep(4.5)  # past the first lease
            stolen = archive.run_write(lambda s: lease_due(s, "other", now=utcnow(), limit=10))
        finally:
            lock.release()
    assert (len(leased), stolen) == (2, [])
