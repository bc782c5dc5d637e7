"""What "nothing lost, nothing doubled" means for an archive file, checked with plain sqlite3."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ArchiveHealth:
    articles: int
    versions: int
    duplicate_articles: int  # articles sharing one canonical URL (must be 0)
    gapped_articles: int  # articles whose versions are not exactly 1..n (must be 0)
    leased: int  # frontier rows still leased (must be 0 after a clean finish)
    integrity: str  # PRAGMA integrity_check ("ok")

    @property
    def sound(self) -> bool:
        return (
            self.duplicate_articles == 0
            and self.gapped_articles == 0
            and self.leased == 0
            and self.integrity == "ok"
        )


def archive_health(path: Path) -> ArchiveHealth:
    db = sqlite3.connect(path, timeout=60)

    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    try:
        return ArchiveHealth(
            articles=one("SELECT count(*) FROM articles"),
            versions=one("SELECT count(*) FROM versions"),
            duplicate_articles=one(
                "SELECT count(*) FROM (SELECT url FROM articles GROUP BY url HAVING count(*) > 1)"
            ),
            gapped_articles=one(
                "SELECT count(*) FROM (SELECT article_id FROM versions GROUP BY article_id "
                "HAVING min(number) != 1 OR max(number) != count(*) "
                "OR count(DISTINCT number) != count(*))"
            ),
            leased=one("SELECT count(*) FROM frontier WHERE lease_owner IS NOT NULL"),
            integrity=str(db.execute("PRAGMA integrity_check").fetchone()[0]),
        )
    finally:
        db.close()


def archived_urls(path: Path) -> set[str]:
    db = sqlite3.connect(path, timeout=60)
    try:
        return {row[0] for row in db.execute("SELECT url FROM articles")}
    finally:
        db.close()
