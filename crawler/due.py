"""What is due now and next: each configured site's discovery, and revisits of archived articles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from crawler.sites import SiteConfig
from storage.frontier_due import RevisitsDue, leasable_count, revisits_due, seeds_last_read
from storage.kinds import FrontierKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.reading import Reads


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


def due_report(source: Session | Reads, sites: list[SiteConfig], now: datetime) -> DueReport:
    """What is due now and next: each site's discovery, and revisits per scope.

    ``source``: a session, or the plain reads `newsarchive due` opens (storage/read_only.py).
    """
    report = []
    for site in sites:
        count, last = seeds_last_read(source, site.name)
        next_at = now if count == 0 or last is None else last + site.interval
        report.append(SiteDue(site.name, next_at, next_at <= now, site.interval.total_seconds()))
    waiting = leasable_count(source, now=now, kinds=[FrontierKind.ARTICLE])
    leased = leasable_count(source, now=now, kinds=[FrontierKind.ARTICLE], leased=True)
    return DueReport(now, report, revisits_due(source, now=now), waiting, leased)
