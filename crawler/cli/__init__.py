"""The `newsarchive` command line: one module per group of commands, all on one click group."""

from crawler.cli import (
    archive,
    backfill,
    boilerplate,
    crawl,
    database,
    extract,
    migrate,
    query,
    read,
    schedule,
    serve,
    transfer,
)
from crawler.cli.app import main

__all__ = [
    "archive",
    "backfill",
    "boilerplate",
    "crawl",
    "database",
    "extract",
    "main",
    "migrate",
    "query",
    "read",
    "schedule",
    "serve",
    "transfer",
]
