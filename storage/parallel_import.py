"""An import's batches written over several PostgreSQL connections at once, one per share.

On PostgreSQL most of an import's cost is the server's: each version's search vector (the
text-search parser) and its GIN entries, about 0.8 ms of one backend's CPU per version. One
connection keeps one core of the server busy; here each batch is planned on one connection
(sites and new articles created and committed, new rows given their ids from the sequences in
the batch's order) and its versions are then written by ``jobs`` connections at once, each a
transaction over its own articles' versions.

The next batch is planned while one is written, from the database and the plan being
written (its articles' counts, its versions), which is committed before the next is written.

The result is the one a single connection gives: the same rows under the same ids (articles,
aliases and versions get theirs in the batch's order whoever writes them), the same numbers.
A killed import keeps every share that committed; a share's versions and its articles'
counts commit together, so a rerun finds each article where it stopped and adds the rest.
Until its share commits an article created by the plan has no versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from storage.database import Archive
from storage.importing import (
    ImportPlan,
    KnownArticle,
    import_versions,
    plan_import,
    write_import,
)
from storage.records import ExportedVersion, ImportSummary

__all__ = ["import_batches"]


def import_batches(
    archive: Archive,
    batches: Iterable[list[ExportedVersion]],
    *,
    jobs: int = 1,
    on_batch: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Import ``batches`` in order, each in its own transaction(s); the summary of them all.

    ``jobs`` > 1 writes each batch's versions over that many connections (PostgreSQL only;
    SQLite has one writer at a time, so there it is one). ``on_batch`` is given the running
    total after each batch is committed.
    """
    total = ImportSummary()
    report = on_batch or (lambda _total: None)
    if jobs <= 1 or archive.dialect != "postgresql":
        for batch in batches:
            total.add(archive.run_write(partial(import_versions, versions=batch)))
            report(total)
        return total
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="import") as pool:
        writing: list[Future[None]] = []
        pending: ImportPlan | None = None  # the batch being written
        for batch in batches:  # read and planned while the previous batch is written
            plan = archive.run_write(
                partial(plan_import, versions=batch, assign_ids=True, pending=pending)
            )
            _finish(writing)
            if pending is not None:
                total.add(pending.summary)
                report(total)
            writing = [
                pool.submit(archive.run_write, partial(write_import, rows=rows, articles=known))
                for rows, known in _shares(plan, jobs)
            ]
            pending = plan
        _finish(writing)
        if pending is not None:
            total.add(pending.summary)
            report(total)
    return total


def _finish(writing: list[Future[None]]) -> None:
    """Wait for every share; the first failure is raised once all have ended."""
    errors = [error for future in writing if (error := future.exception()) is not None]
    if errors:
        raise errors[0]


def _shares(plan: ImportPlan, jobs: int) -> list[tuple[list[dict[str, Any]], list[KnownArticle]]]:
    """The plan's rows and articles split by article into ``jobs`` shares (empty ones left out)."""
    rows: list[list[dict[str, Any]]] = [[] for _ in range(jobs)]
    articles: list[list[KnownArticle]] = [[] for _ in range(jobs)]
    for row in plan.rows:
        rows[row["article_id"] % jobs].append(row)
    for article in plan.articles:
        articles[article.id % jobs].append(article)
    return [(r, a) for r, a in zip(rows, articles, strict=True) if r or a]
