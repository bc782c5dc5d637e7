"""Scheduled crawls: discovery per site on its interval, revisits when due, one scheduler.

The schedule is data in the database (frontier rows with next fetch times, seed read times),
so a restarted scheduler continues where the last one was. A database lock keeps a second
scheduler from running the same work; a killed scheduler's lock expires.
"""

from __future__ import annotations

import logging
import os
import threading
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
from crawler.runner import run_spider
from crawler.sites import SiteConfig
from crawler.spiders.frontier import FrontierSpider, new_owner_id
from storage import Archive, StorageError, open_archive
from storage.frontier import RevisitsDue, make_revisits_due, revisits_due, seeds_last_read
from storage.locks import LockHolder, acquire_lock, release_lock
from storage.queries import find_article
from storage.timeutil import utcnow

log = logging.getLogger(__name__)

SCHEDULER_LOCK = "scheduler"
LOCK_TTL = timedelta(minutes=5)
LOCK_REFRESH_SECONDS = 60.0
OWNER_VARIABLE = "NEWSARCHIVE_SCHEDULER_OWNER"


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
        return DueReport(now, report, revisits_due(session, now=now))


class SchedulerLock:
    """Holds the scheduler lock and renews it from a background thread until released."""

    def __init__(self, archive: Archive, owner: str) -> None:
        self.archive = archive
        self.owner = owner
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> None:
        holder = self.archive.run_write(
            lambda s: acquire_lock(s, SCHEDULER_LOCK, self.owner, now=utcnow(), ttl=LOCK_TTL)
        )
        if holder is not None:
            raise SchedulerBusy(holder)
        self._thread = threading.Thread(target=self._renew, name="scheduler-lock", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        while not self._stop.wait(LOCK_REFRESH_SECONDS):
            try:
                self.archive.run_write(
                    lambda s: acquire_lock(
                        s, SCHEDULER_LOCK, self.owner, now=utcnow(), ttl=LOCK_TTL
                    )
                )
            except StorageError as error:
                log.warning("could not renew the scheduler lock: %s", error)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.archive.run_write(lambda s: release_lock(s, SCHEDULER_LOCK, self.owner))


def scheduler_owner() -> str:
    """This scheduler's lock owner id; a `schedule` parent hands its own to its `--once` runs."""
    return os.environ.get(OWNER_VARIABLE) or new_owner_id()


def run_due_work(
    config: CrawlConfig,
    sites: list[SiteConfig],
    on_result: Any = None,
) -> CrawlSummary:
    """Do what is due now: discovery of due sites, then every due revisit; return the summary."""
    owner = scheduler_owner()
    with open_archive(config.database_url) as archive:
        lock = SchedulerLock(archive, owner)
        lock.acquire()
        try:
            release_dead_local_leases(archive)
            report = due_report(archive, sites, utcnow())
            for site, due in zip(sites, report.sites, strict=True):
                if due.due_now:
                    schedule_seeds(archive, plan_for_site(site))
            return _crawl_everything_due(config, sites, on_result)
        finally:
            lock.release()


def _crawl_everything_due(
    config: CrawlConfig, sites: list[SiteConfig], on_result: Any
) -> CrawlSummary:
    policies = {site.name: site.revisit.to_spec() for site in sites}
    slots = {
        host: {"delay": site.delay}
        for site in sites
        if site.delay is not None
        for host in site.hosts
    }
    config = config.with_settings(ARCHIVE_REVISIT_POLICIES=policies, DOWNLOAD_SLOTS=slots)
    run = run_spider(
        config,
        FrontierSpider,
        "schedule",
        on_result,
        scopes=None,
        new_only=False,
        follow_scopes=[site.name for site in sites if site.start_urls],
        max_pages=sum(site.max_pages for site in sites) or 10_000,
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
    with open_archive(config.database_url) as archive:
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
