"""Several `serve` processes: how many by default, and what each opens the archive and app from.

``--workers auto`` (the default) is the CPUs this process may run on, at most
``AUTO_WORKERS_CAP``; on one CPU that is one process, the app served in the command's own
process. Every archive `serve` can open works with several: SQLite files are opened read-only
(readers do not block each other), PostgreSQL gives each worker its own connection pool, and
an in-memory SQLite archive cannot be served at all. With ``--workers N`` (N > 1) uvicorn
starts N processes that share the listening socket; each builds its own app from an import
string, so the archive cannot be handed over open. The command puts what it decided (database
URL, SQLite limits, address, extra Host names) in one environment variable; in each worker
``app_from_environment`` (called by the command's factory, crawler/cli/serve.py) opens the
archive read-only with it, and the app closes it when that worker shuts down.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from fastapi import FastAPI

from web.app import create_app
from web.config import WebConfig

SETTINGS_VARIABLE = "NEWSARCHIVE_SERVE_WORKER"
AUTO_WORKERS_CAP = 4  # each worker is a process with its own app, pool and page cache


def auto_workers() -> int:
    """`serve --workers auto`: the usable CPUs (the affinity mask), at most AUTO_WORKERS_CAP."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity mask on this platform (macOS, Windows)
        usable = os.cpu_count() or 1
    return max(1, min(usable, AUTO_WORKERS_CAP))


@dataclass(frozen=True)
class WorkerSettings:
    """What every worker needs to open the archive and build the app as the command did."""

    database_url: str
    busy_timeout: float
    max_pages: int
    host: str
    port: int
    extra_allowed_hosts: tuple[str, ...]

    def to_environment(self) -> dict[str, str]:
        return {SETTINGS_VARIABLE: json.dumps(asdict(self))}

    @classmethod
    def from_environment(cls) -> WorkerSettings:
        values = json.loads(os.environ[SETTINGS_VARIABLE])
        values["extra_allowed_hosts"] = tuple(values["extra_allowed_hosts"])
        return cls(**values)


def app_from_environment() -> FastAPI:
    """The app of one worker process, over the archive named in SETTINGS_VARIABLE."""
    from storage.schema import open_archive

    settings = WorkerSettings.from_environment()
    archive = open_archive(
        settings.database_url,
        busy_timeout=settings.busy_timeout,
        max_pages=settings.max_pages,
        read_only=True,
    )
    config = WebConfig(
        host=settings.host, port=settings.port, extra_allowed_hosts=settings.extra_allowed_hosts
    )
    return create_app(archive, config, close_archive=True)
