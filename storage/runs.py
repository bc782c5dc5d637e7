"""Crawl runs: one row per fetching command, with its counts and how it ended."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storage.models import CrawlRun
from storage.timeutil import utcnow


def start_run(session: Session, command: str) -> int:
    run = CrawlRun(command=command, started_at=utcnow(), status="running", stats={})
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, status: str, stats: dict[str, Any]) -> None:
    run = session.get(CrawlRun, run_id)
    if run is None:
        return
    run.finished_at = utcnow()
    run.status = status
    run.stats = stats
