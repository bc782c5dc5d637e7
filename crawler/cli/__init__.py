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
from crawler.cli.app import accept_global_flags_after_command, main

for _command in main.commands.values():
    accept_global_flags_after_command(_command)

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
