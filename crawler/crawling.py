"""Discovery crawls: plan seeds from flags or the sites file, run the frontier spider, summarise."""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crawler.config import CrawlConfig
from crawler.crawl_problems import crawl_problems
from crawler.runner import RunSummary, run_spider
from crawler.sites import SiteConfig
from crawler.spiders.frontier import FrontierSpider
from storage import Archive, CaptureResult
from storage.frontier import (
    leasable_count,
    lease_owners,
    release_leases,
    schedule_seed,
    seed_outcomes,
)
from storage.kinds import CaptureReason, FrontierKind
from storage.timeutil import utcnow
from storage.urls import canonical_url, host_of


@dataclass(frozen=True)
class CrawlPlan:
    """Where a crawl starts and how far it may go."""

    scope: str
    seeds: tuple[tuple[str, str], ...]
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    since: datetime | None = None
    max_articles: int | None = None
    max_depth: int = 2
    max_pages: int = 10_000
    interval: timedelta = timedelta(minutes=30)
    delay: float | None = None

    @property
    def follows_links(self) -> bool:
        """Links are followed from start pages only; a feed or sitemap crawl reads its entries."""
        return any(kind == FrontierKind.PAGE for _, kind in self.seeds)


@dataclass(frozen=True)
class FailedSource:
    """A feed, sitemap or start page the crawl could not read, and the reason."""

    kind: str
    url: str
    reason: str


@dataclass
class CrawlSummary:
    """What one crawl did; printed at the end, one JSON object with --json."""

    scope: str
    finish_reason: str
    discovered: int = 0
    fetched: int = 0
    new_articles: int = 0
    new_versions: int = 0
    unchanged: int = 0
    not_modified: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    run_id: int = 0
    problems: list[str] = field(default_factory=list)  # why nothing was archived (see below)
    left: int = 0  # frontier rows of the scope still due when the crawl ended
    sources: int = 0  # the scope's feeds, sitemaps and start pages (robots.txt aside)
    failed_sources: list[FailedSource] = field(default_factory=list)

    @property
    def archived(self) -> int:
        """Pages that made or confirmed a version (new, changed, unchanged, not modified)."""
        return self.new_articles + self.new_versions + self.unchanged + self.not_modified

    @property
    def nothing_read(self) -> bool:
        """A finished crawl that got nothing: every source failed, or every fetch did.

        Sources that are not due this run keep their last outcome; a crawl that archived or
        confirmed any page is not "nothing read".
        """
        if self.finish_reason != "finished" or self.archived:
            return False
        if self.errors and not self.discovered:
            return True
        return bool(self.failed_sources) and len(self.failed_sources) == self.sources


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def plan_from_urls(
    feeds: tuple[str, ...] = (), sitemaps: tuple[str, ...] = (), site_url: str | None = None
) -> CrawlPlan:
    """A plan for `crawl --feed/--sitemap/--site`: scope is the first seed's host."""
    seeds: list[tuple[str, str]] = [(url, FrontierKind.FEED) for url in feeds]
    seeds += [(url, FrontierKind.SITEMAP) for url in sitemaps]
    if site_url:
        root = site_root(site_url)
        seeds += [(root + "robots.txt", FrontierKind.ROBOTS), (site_url, FrontierKind.PAGE)]
    return CrawlPlan(scope=host_of(seeds[0][0]), seeds=tuple(seeds))


def plan_for_site(site: SiteConfig) -> CrawlPlan:
    seeds: list[tuple[str, str]] = [(url, FrontierKind.FEED) for url in site.feeds]
    seeds += [(url, FrontierKind.SITEMAP) for url in site.sitemaps]
    seeds += [(url, FrontierKind.PAGE) for url in site.start_urls]
    if site.start_urls and not site.sitemaps:
        seeds.append((site_root(site.start_urls[0]) + "robots.txt", FrontierKind.ROBOTS))
    return CrawlPlan(
        scope=site.name,
        seeds=tuple(seeds),
        include=site.include,
        exclude=site.exclude,
        max_articles=site.max_articles,
        max_depth=site.max_depth,
        max_pages=site.max_pages,
        interval=site.interval,
        delay=site.delay,
    )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_local_leases(archive: Archive) -> int:
    """Give back leases held by crashed processes of this machine (kill -9 leaves them behind).

    Leases of other machines are left to expire on their own.
    """
    me = socket.gethostname()[:30]

    def work(session: Any) -> int:
        released = 0
        for owner in lease_owners(session):
            host, _, rest = owner.partition(":")
            pid = rest.partition(":")[0]
            if host == me and pid.isdigit() and not _pid_alive(int(pid)):
                released += release_leases(session, owner)
        return released

    return archive.run_write(work)


def schedule_seeds(archive: Archive, plan: CrawlPlan) -> None:
    def work(session: Any) -> None:
        now = utcnow()
        for url, kind in plan.seeds:
            schedule_seed(session, url, kind, now=now, min_interval=plan.interval, scope=plan.scope)

    archive.run_write(work)


def run_crawl(
    config: CrawlConfig,
    plan: CrawlPlan,
    on_result: Callable[[CaptureResult], None] | None = None,
) -> CrawlSummary:
    """Crawl one scope until its frontier has nothing due; resumable after any stop."""
    started = utcnow()
    with config.open_archive() as archive:
        release_dead_local_leases(archive)
        schedule_seeds(archive, plan)
    if plan.delay is not None and config.delay is None:
        config = dataclasses.replace(config, delay=plan.delay)
    run = run_spider(
        config,
        FrontierSpider,
        "crawl",
        on_result,
        scopes=[plan.scope],
        since=plan.since,
        max_articles=plan.max_articles,
        max_depth=plan.max_depth,
        max_pages=plan.max_pages,
        include=plan.include,
        exclude=plan.exclude,
        follow_scopes=[plan.scope] if plan.follows_links else [],
    )
    summary = summarise(plan.scope, run)
    with config.open_archive() as archive, archive.read() as session:
        summary.left = leasable_count(session, now=utcnow(), scope=plan.scope)
        planned = {canonical_url(url) for url, kind in plan.seeds if kind != FrontierKind.ROBOTS}
        sources = [
            row for row in seed_outcomes(session, plan.scope) if canonical_url(row[0]) in planned
        ]
        summary.sources = len(sources)
        summary.failed_sources = [
            FailedSource(kind, url, outcome)
            for url, kind, outcome in sources
            if outcome is not None and failed_outcome(outcome)
        ]
    if summary.finish_reason == "finished":
        with config.open_archive() as archive:
            summary.problems = crawl_problems(archive, plan.scope, started, summary)
    return summary


def failed_outcome(outcome: str) -> bool:
    """Whether a source's last outcome says it could not be read (a fetch or parse failure)."""
    if outcome.startswith("http_") and outcome[5:].isdigit():
        return True
    return outcome == "unreadable" or outcome in set(CaptureReason)


def summarise(scope: str, run: RunSummary) -> CrawlSummary:
    """A crawl summary from a finished run's counts and Scrapy stats."""
    stats = run.stats
    prefix_skipped, prefix_errors = "archive/skipped/", "archive/error/"
    finish_reason = run.stop_reason  # Ctrl-C: exit 130, not SIGTERM's 143
    return CrawlSummary(
        scope=scope,
        finish_reason=finish_reason,
        discovered=int(stats.get("archive/discovered", 0)),
        fetched=int(stats.get("downloader/response_count", 0)),
        new_articles=run.counts.get("new", 0),
        new_versions=run.counts.get("changed", 0),
        unchanged=run.counts.get("unchanged", 0),
        not_modified=run.counts.get("not_modified", 0),
        skipped={
            k[len(prefix_skipped) :]: v for k, v in stats.items() if k.startswith(prefix_skipped)
        },
        errors={
            k[len(prefix_errors) :]: v for k, v in stats.items() if k.startswith(prefix_errors)
        },
        elapsed_seconds=run.elapsed_seconds,
        run_id=run.run_id,
    )
