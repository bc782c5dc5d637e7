"""The `newsarchive` command line: one module per group of commands, all on one click group."""

from crawler.cli import archive, database, extract, read
from crawler.cli.app import main

__all__ = ["archive", "database", "extract", "main", "read"]
