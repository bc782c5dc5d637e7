"""Scheduled crawls: discovery per site on its interval, revisits when due, one scheduler.

The schedule is data in the database (frontier rows with next fetch times, seed read times),
so a restarted scheduler continues where the last one was. A database lock keeps a second
scheduler from running the same work. The long-running `schedule` holds it for its whole life
and hands its owner id to each round's process, which works under it and never releases it.
A killed scheduler's lock is taken over at once when its process is gone from this machine,
or once it expires (a scheduler of another machine).

Schedulers given a worker id cooperate instead (several processes or machines on one
PostgreSQL): each holds its own ``scheduler:worker:<id>`` lock, takes the ``discovery:<site>``
lock of the sites it discovers (one worker per site at a time), leases articles of every site
with FOR UPDATE SKIP LOCKED, renews its leases while it lives, and shares each host's delay with
the others through the database (crawler/middlewares/shared_politeness.py).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crawler.config import CrawlConfig
from crawler.crawling import (
    CrawlSummary,
    plan_for_site,
    release_dead_local_leases,
    schedule_seeds,
    summarise,
)
from crawler.owners import died_on_this_host, new_owner_id
from crawler.rounds import RoundProcess
from crawler.runner import run_spider
from crawler.sites import SiteConfig
from crawler.spiders.frontier import FrontierSpider
from storage import Archive, StorageError
from storage.frontier import (
    RevisitsDue,
    leasable_count,
    make_revisits_due,
    renew_leases,
    revisits_due,
    seeds_last_read,
)
from storage.kinds import FrontierKind
from storage.locks import LockHolder, acquire_lock, release_lock
from storage.queries import find_article
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

SCHEDULER_LOCK = "scheduler"
LOCK_TTL = timedelta(minutes=5)
LOCK_REFRESH_SECONDS = 60.0
RENEW_RETRY_SECONDS = 5.0
WORKER_ID = re.compile(r"^[A-Za-z0-9._-]{1,24}$")
OWNER_LENGTH = 64  # frontier.lease_owner and locks.owner


def scheduler_lock_name(worker_id: str | None) -> str:
    """The lock a scheduler holds: one for the archive, or one per cooperating worker id."""
    return SCHEDULER_LOCK if worker_id is None else f"{SCHEDULER_LOCK}:worker:{worker_id}"


def discovery_lock_name(site: str) -> str:
    return f"discovery:{site}"


class SchedulerBusy(StorageError):
    """Another scheduler holds the lock."""

    def __init__(self, holder: LockHolder) -> None:
        super().__init__(
            f"another scheduler ({holder.owner}, running since "
            f"{holder.acquired_at:%Y-%m-%d %H:%M:%SZ}) is working on this archive; "
            f"exiting (its lock expires at {holder.expires_at:%H:%M:%SZ} if it died)"
        )
        self.holder = holder


@dataclass(frozen=True)
class SiteDue:
    name: str
    next_discovery_at: datetime
    due_now: bool
    interval_seconds: float


@dataclass(frozen=True)
class DueReport:
    now: datetime
    sites: list[SiteDue] = field(default_factory=list)
    revisits: list[RevisitsDue] = field(default_factory=list)
    articles_waiting: int = 0  # article rows due now and not leased: any worker may take them
    articles_leased: int = 0  # article rows due now and leased (in flight, or a dead worker's)


def due_report(archive: Archive, sites: list[SiteConfig], now: datetime) -> DueReport:
    """What is due now and next: each site's discovery, and revisits per scope."""
    with archive.read() as session:
        report = []
        for site in sites:
            count, last = seeds_last_read(session, site.name)
            next_at = now if count == 0 or last is None else last + site.interval
            report.append(
                SiteDue(site.name, next_at, next_at <= now, site.interval.total_seconds())
            )
        waiting = leasable_count(session, now=now, kinds=[FrontierKind.ARTICLE])
        leased = leasable_count(session, now=now, kinds=[FrontierKind.ARTICLE], leased=True)
        return DueReport(now, report, revisits_due(session, now=now), waiting, leased)


class SchedulerLock:
    """Holds the scheduler lock, and the discovery locks taken later, until released.

    A background thread renews them, and the frontier leases of the crawl being run
    (``keep_leases``), so that only a dead process's locks and leases expire. A ``borrowed``
    scheduler lock is a `schedule` parent's, held by a round under the parent's owner id:
    the round renews it while it runs but ``release`` leaves it to the parent.
    """

    def __init__(
        self, archive: Archive, owner: str, name: str = SCHEDULER_LOCK, *, borrowed: bool = False
    ) -> None:
        self.archive = archive
        self.owner = owner
        self.names = [name]
        self._borrowed = borrowed
        self._lease_owner: str | None = None
        self._lease_seconds = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _take(self, name: str) -> LockHolder | None:
        return self.archive.run_write(
            lambda s: acquire_lock(
                s, name, self.owner, now=utcnow(), ttl=LOCK_TTL, holder_is_dead=died_on_this_host
            )
        )

    def acquire(self) -> None:
        holder = self._take(self.names[0])
        if holder is not None:
            raise SchedulerBusy(holder)
        self._thread = threading.Thread(target=self._renew, name="scheduler-lock", daemon=True)
        self._thread.start()

    def try_take(self, name: str) -> bool:
        """Take one more lock if nobody else holds it; it is renewed and released with the rest."""
        if self._take(name) is not None:
            return False
        self.names.append(name)
        return True

    def keep_leases(self, lease_owner: str, lease_seconds: float) -> None:
        """Renew ``lease_owner``'s frontier leases with the locks, well before they expire."""
        self._lease_owner, self._lease_seconds = lease_owner, lease_seconds

    def _refresh_seconds(self) -> float:
        if self._lease_owner is None:
            return LOCK_REFRESH_SECONDS
        return min(LOCK_REFRESH_SECONDS, self._lease_seconds / 3)

    def _renew(self) -> None:
        renewed = time.monotonic()
        retry_at = 0.0
        while not self._stop.wait(1.0):
            # Checked every second: keep_leases may shorten the period after the thread started.
            now = time.monotonic()
            if now - renewed < self._refresh_seconds() or now < retry_at:
                continue
            try:
                for name in list(self.names):
                    holder = self._take(name)
                    if holder is not None:
                        log.warning("lost the lock %s to %s", name, holder.owner)
                if self._lease_owner is not None:
                    self.archive.run_write(self._renew_leases)
            except Exception as error:  # keep the thread alive: try again soon, not a period on
                log.warning("could not renew the scheduler's locks and leases: %s", error)
                retry_at = now + min(RENEW_RETRY_SECONDS, self._refresh_seconds())
            else:
                renewed = now

    def _renew_leases(self, session: Any) -> int:
        assert self._lease_owner is not None
        return renew_leases(
            session, self._lease_owner, now=utcnow(), lease_seconds=self._lease_seconds
        )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

        def work(session: Any) -> None:
            for name in self.names[1:] if self._borrowed else self.names:
                release_lock(session, name, self.owner)

        self.archive.run_write(work)


def lease_owner_for(worker_id: str, base: str | None = None) -> str:
    """The frontier lease owner of a cooperating worker's crawl: its process, then its id.

    The worker id is only for people reading the frontier (the process part is unique and
    is what ``release_dead_local_leases`` reads), so it is cut to fit the column.
    """
    return f"{base or new_owner_id()}:{worker_id}"[:OWNER_LENGTH]


def scheduler_owner() -> str:
    """A new scheduler lock owner id; a `schedule` parent hands its own to its `--once` runs."""
    return new_owner_id()


def run_due_work(
    config: CrawlConfig,
    sites: list[SiteConfig],
    on_result: Any = None,
    worker_id: str | None = None,
    owner: str | None = None,
    rounds: RoundProcess | None = None,
) -> CrawlSummary:
    """Do what is due now: discovery of due sites, then every due revisit; return the summary.

    ``rounds``: the long-lived process of a `schedule` that runs this round's crawl in its
    reactor (crawler/rounds.py); without it the crawl gets a Scrapy process of its own.

    ``owner`` is a `schedule` parent's id: the round works under the parent's scheduler lock and
    leaves it held when it ends. Without it the round takes the lock as this process, and
    releases it at the end (``--once`` from cron).

    With ``worker_id`` this scheduler cooperates with others on the same database: it discovers
    only the sites whose discovery lock it gets, fetches articles of all sites, and spaces its
    requests to each host with the others'.
    """
    borrowed = owner is not None
    owner = owner or scheduler_owner()
    with config.open_archive() as archive:
        lock = SchedulerLock(archive, owner, scheduler_lock_name(worker_id), borrowed=borrowed)
        lock.acquire()
        try:
            release_dead_local_leases(archive)
            report = due_report(archive, sites, utcnow())
            discovering = []
            # In random order, so that workers starting together share the sites out.
            for site, due in random.sample(list(zip(sites, report.sites, strict=True)), len(sites)):
                if not lock.try_take(discovery_lock_name(site.name)):
                    log.info("site %s is being discovered by another worker", site.name)
                    continue
                discovering.append(site.name)
                if due.due_now:
                    schedule_seeds(archive, plan_for_site(site))
            lease_owner = new_owner_id() if worker_id is None else lease_owner_for(worker_id)
            lease_seconds = config.scrapy_settings().getfloat("ARCHIVE_LEASE_SECONDS", 300.0)
            lock.keep_leases(lease_owner, lease_seconds)
            if worker_id is not None:
                config = shared_politeness(config, sites)
            return _crawl_everything_due(
                config,
                sites,
                on_result,
                owner=lease_owner,
                lease_seconds=lease_seconds,
                discovery_scopes=discovering if worker_id is not None else None,
                rounds=rounds,
            )
        finally:
            lock.release()


def shared_politeness(config: CrawlConfig, sites: list[SiteConfig]) -> CrawlConfig:
    """Settings for a cooperating worker: host delays reserved in the database, not locally.

    Each request waits for its host's slot in the shared table and is then sent at once;
    Scrapy's local delay (and AutoThrottle on top of it) would otherwise hold it back by a
    varying amount after its slot, bunching it with the next worker's request.
    """
    default = config.scrapy_settings().getfloat("DOWNLOAD_DELAY")
    hosts = {host: site.delay for site in sites if site.delay is not None for host in site.hosts}
    return config.with_settings(
        ARCHIVE_SHARED_POLITENESS_ENABLED=True,
        ARCHIVE_SHARED_DELAY=default,
        ARCHIVE_SHARED_HOST_DELAYS=hosts,
        DOWNLOAD_DELAY=0.0,
        AUTOTHROTTLE_ENABLED=False,
    )


def _crawl_everything_due(
    config: CrawlConfig,
    sites: list[SiteConfig],
    on_result: Any,
    *,
    owner: str,
    lease_seconds: float,
    discovery_scopes: list[str] | None,
    rounds: RoundProcess | None = None,
) -> CrawlSummary:
    policies = {site.name: site.revisit.to_spec() for site in sites}
    shared = config.scrapy_settings().getbool("ARCHIVE_SHARED_POLITENESS_ENABLED")
    slots = {
        host: {"delay": 0.0 if shared else site.delay}
        for site in sites
        if site.delay is not None
        for host in site.hosts
    }
    config = config.with_settings(
        ARCHIVE_REVISIT_POLICIES=policies, DOWNLOAD_SLOTS=slots, ARCHIVE_LEASE_OWNER=owner
    )
    run = run_spider(
        config,
        FrontierSpider,
        "schedule",
        on_result,
        rounds=rounds,
        scopes=None,
        new_only=False,
        follow_scopes=[site.name for site in sites if site.start_urls],
        max_pages=sum(site.max_pages for site in sites) or 10_000,
        lease_seconds=lease_seconds,
        discovery_scopes=discovery_scopes,
    )
    return summarise("scheduled", run)


def revisit_now(
    config: CrawlConfig,
    *,
    urls: list[str] | None = None,
    site: str | None = None,
    on_result: Any = None,
) -> CrawlSummary:
    """Re-check the given articles (or a site's, or all) now, whatever their schedule says."""
    with config.open_archive() as archive:
        release_dead_local_leases(archive)

        def work(session: Any) -> list[int]:
            article_ids = [find_article(session, url).id for url in urls] if urls else None
            return make_revisits_due(
                session, now=utcnow(), article_ids=article_ids, scope_or_host=site
            )

        entry_ids = archive.run_write(work)
    if not entry_ids:
        return CrawlSummary(scope=site or "all", finish_reason="finished")
    run = run_spider(
        config,
        FrontierSpider,
        "revisit",
        on_result,
        scopes=None,
        new_only=False,
        entry_ids=entry_ids,
        max_pages=len(entry_ids),
    )
    return summarise(site or "revisit", run)
