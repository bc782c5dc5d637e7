"""Where each command lives, and its one-line help: the group loads only the command that runs.

`newsarchive --help` lists these lines without importing any command module;
tests/crawler/cli/test_fast_start.py checks they match the commands' own docstrings.
"""

from __future__ import annotations

# name: (module that defines it, the first paragraph of its docstring)
COMMANDS: dict[str, tuple[str, str]] = {
    "archive": (
        "crawler.cli.archive",
        "Fetch, extract and archive article URLs; a changed article gets a new version.",
    ),
    "backfill": (
        "crawler.cli.backfill",
        "Add an article's earlier versions from web archives, each at its original capture time.",
    ),
    "boilerplate": (
        "crawler.cli.boilerplate",
        "Paragraphs learned to be boilerplate for SITE (a host name or a URL on it).",
    ),
    "crawl": (
        "crawler.cli.crawl",
        "Discover articles from feeds, sitemaps or a site's links, and archive them.",
    ),
    "db": (
        "crawler.cli.database",
        "Database schema: migrate explicitly (server databases) or inspect.",
    ),
    "diff": ("crawler.cli.read", "What changed between two versions (default: the last two)."),
    "due": (
        "crawler.cli.schedule",
        "What is due next: each configured site's discovery, and revisits of archived articles.",
    ),
    "export": (
        "crawler.cli.transfer",
        "Export every version (jsonl, csv) or every fetch (warc, wacz), streamed.",
    ),
    "extract": (
        "crawler.cli.extract",
        "Extract text and metadata from saved pages (.html, .html.gz): no fetch, no storage.",
    ),
    "history": ("crawler.cli.read", "Every archived version of an article, oldest first."),
    "import-jsonl": (
        "crawler.cli.transfer",
        "Restore versions from a JSONL export ('-' reads stdin), keeping numbers and hashes.",
    ),
    "import-warc": (
        "crawler.cli.transfer",
        "Archive the HTML pages of a WARC file (.warc or .warc.gz) as captures at their WARC-Date.",
    ),
    "list": (
        "crawler.cli.query",
        "Archived articles, newest first (--since/--until bound when they were first seen).",
    ),
    "migrate-db": (
        "crawler.cli.migrate",
        "Copy every table of an archive into another database, ids and all, then compare them.",
    ),
    "reextract": (
        "crawler.cli.transfer",
        "Re-run the current extractor over the stored page behind each article's latest version.",
    ),
    "revisit": (
        "crawler.cli.schedule",
        "Re-check archived articles now, whatever the schedule says.",
    ),
    "schedule": (
        "crawler.cli.schedule",
        "Crawl each configured site on its interval and revisit articles when they come due.",
    ),
    "search": ("crawler.cli.query", "Full-text search over titles and texts, best match first."),
    "serve": ("crawler.cli.serve", "Browse the archive in a web browser (read-only)."),
    "show": (
        "crawler.cli.read",
        "One version of an article: the latest, a numbered one, or as of a time.",
    ),
    "stats": (
        "crawler.cli.query",
        "Per site: articles, versions, captures, failed captures and the last crawl.",
    ),
}
