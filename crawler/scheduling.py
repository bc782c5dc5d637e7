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
from typing import Any

from crawler.config import CrawlConfig
from crawler.crawling import (
    CrawlSummary,
    plan_for_site,
    release_dead_local_leases,
    schedule_seeds,
    summarise,
)
from crawler.due import DueReport, SiteDue, due_report
from crawler.owners import new_owner_id
from crawler.rounds import RoundProcess
from crawler.runner import run_spider
from crawler.scheduler_lock import (
    LOCK_TTL,
    OWNER_LENGTH,
    SCHEDULER_LOCK,
    WORKER_ID,
    SchedulerBusy,
    SchedulerLock,
    discovery_lock_name,
    scheduler_lock_name,
)
from crawler.sites import SiteConfig
from crawler.spiders.frontier import FrontierSpider
from storage.frontier import make_revisits_due
from storage.queries import find_article
from storage.timeutil import utcnow

# Defined beside the lock (no Scrapy there, for the long-running scheduler process); named
# here too, where the rest of the schedule is.
__all__ = [
    "LOCK_TTL",
    "OWNER_LENGTH",
    "SCHEDULER_LOCK",
    "WORKER_ID",
    "DueReport",
    "SchedulerBusy",
    "SchedulerLock",
    "SiteDue",
    "discovery_lock_name",
    "due_report",
    "lease_owner_for",
    "revisit_now",
    "run_due_work",
    "scheduler_lock_name",
    "scheduler_owner",
    "shared_politeness",
]

log = logging.getLogger(__name__)


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
            with archive.read() as session:
                report = due_report(session, sites, utcnow())
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
