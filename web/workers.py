"""Several `serve` processes: the settings each worker process opens the archive and app from.

With ``--workers N`` (N > 1) uvicorn starts N processes that share the listening socket; each
builds its own app from an import string, so the archive cannot be handed over open. The
command puts what it decided (database URL, SQLite limits, address, extra Host names) in one
environment variable; in each worker ``app_from_environment`` (called by the command's
factory, crawler/cli/serve.py) opens the archive read-only with it, and the app closes it when
that worker shuts down. SQLite readers in WAL mode do not block each other; on PostgreSQL each
worker has its own connection pool.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from fastapi import FastAPI

from web.app import create_app
from web.config import WebConfig

SETTINGS_VARIABLE = "NEWSARCHIVE_SERVE_WORKER"


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
