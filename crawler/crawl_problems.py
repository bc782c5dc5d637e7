"""Why a finished crawl archived nothing: one line per source, so no failure is silent.

A crawl that ran to the end may still have done nothing a user wanted: every feed or sitemap
unreadable, sources that list no article, or every fetched page dropped. ``crawl_problems``
names each case (empty: the crawl did what it could, which may be "nothing new since last
time"); the CLI prints the lines to stderr and exits non-zero.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import Archive
from storage.frontier import SourceOutcome, article_rows, sources_read_since

READ_OUTCOMES = frozenset({"read", "not_modified"})


def crawl_problems(archive: Archive, scope: str, started: datetime, summary: Any) -> list[str]:
    """Why the crawl of ``scope`` begun at ``started`` archived nothing (empty: no problem)."""
    archived = summary.new_articles + summary.new_versions + summary.unchanged
    if archived + summary.not_modified > 0:
        return []
    with archive.read() as session:
        sources = sources_read_since(session, scope, started)
        articles = article_rows(session, scope)
    failed = [s for s in sources if s.outcome not in READ_OUTCOMES]
    if sources and len(failed) == len(sources):
        return [_unreadable(s) for s in failed]
    dropped = summary.skipped.get("not_article", 0)
    errors = sum(summary.errors.values())
    if dropped or errors:
        parts = [f"{dropped} dropped as not articles"] if dropped else []
        parts += [f"{errors} failed ({_counts(summary.errors)})"] if errors else []
        return [f"{scope}: no page was archived: " + ", ".join(parts)]
    if sources and articles == 0:
        return [f"{s.kind} {s.url}: read, but listed no article URL" for s in sources]
    return []


def _unreadable(source: SourceOutcome) -> str:
    return f"{source.kind} {source.url}: could not be read ({source.outcome or 'no answer'})"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
