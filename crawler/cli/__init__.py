"""The `newsarchive` command line: one module per group of commands, all on one click group.

The group knows each command's module (crawler/cli/commands.py) and imports it when the
command runs, so `show` or `--version` never loads what `crawl` needs.
"""

from crawler.cli.app import main

__all__ = ["main"]
