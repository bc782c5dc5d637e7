"""flat costs at any archive size: listing indexes and per-site counters

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:00:00

Issue 27. Two things an archive of a million versions needs to answer a page in constant time:

- Indexes that match each listing's order: articles newest first, overall
  (``first_seen_at, id``) and per site (``site_id, first_seen_at, id``), so a page of the
  listing reads its rows off an index instead of sorting every article.
- Per-site counters kept as the archive is written (``sites.article_count``,
  ``version_count``, ``capture_count``, ``error_count``, ``last_capture_at``), so ``stats``,
  ``/sites`` and ``/api/sites`` read one row per site instead of counting every article and
  capture per view; ``site_errors`` counts each site's failed captures per reason for the
  site page. Triggers keep them, on both databases, whatever writes the rows (a crawl,
  ``archive``, ``import-jsonl``, ``reextract``, backfill); this revision fills them for an
  existing archive. ``storage.counters.recount_sites`` recomputes them from the rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("article_count", "version_count", "capture_count", "error_count")

SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER sites_count_article_insert AFTER INSERT ON articles BEGIN
        UPDATE sites SET article_count = article_count + 1,
                         version_count = version_count + new.version_count
        WHERE id = new.site_id;
    END
    """,
    """
    CREATE TRIGGER sites_count_article_delete AFTER DELETE ON articles BEGIN
        UPDATE sites SET article_count = article_count - 1,
                         version_count = version_count - old.version_count
        WHERE id = old.site_id;
    END
    """,
    """
    CREATE TRIGGER sites_count_article_update AFTER UPDATE OF version_count, site_id ON articles
    WHEN old.version_count != new.version_count OR old.site_id != new.site_id BEGIN
        UPDATE sites SET article_count = article_count - 1,
                         version_count = version_count - old.version_count
        WHERE id = old.site_id;
        UPDATE sites SET article_count = article_count + 1,
                         version_count = version_count + new.version_count
        WHERE id = new.site_id;
    END
    """,
    """
    CREATE TRIGGER sites_count_capture_insert AFTER INSERT ON captures
    WHEN new.article_id IS NOT NULL BEGIN
        UPDATE sites SET capture_count = capture_count + 1,
                         error_count = error_count + (new.outcome = 'error'),
                         last_capture_at = CASE
                             WHEN last_capture_at IS NULL OR last_capture_at < new.fetched_at
                             THEN new.fetched_at ELSE last_capture_at END
        WHERE id = (SELECT site_id FROM articles WHERE id = new.article_id);
        INSERT INTO site_errors (site_id, reason, count)
        SELECT site_id, coalesce(new.error_reason, 'unknown'), 1 FROM articles
        WHERE id = new.article_id AND new.outcome = 'error'
        ON CONFLICT (site_id, reason) DO UPDATE SET count = count + 1;
    END
    """,
    """
    CREATE TRIGGER sites_count_capture_delete AFTER DELETE ON captures
    WHEN old.article_id IS NOT NULL BEGIN
        UPDATE sites SET capture_count = capture_count - 1,
                         error_count = error_count - (old.outcome = 'error')
        WHERE id = (SELECT site_id FROM articles WHERE id = old.article_id);
        UPDATE site_errors SET count = count - 1
        WHERE old.outcome = 'error' AND reason = coalesce(old.error_reason, 'unknown')
          AND site_id = (SELECT site_id FROM articles WHERE id = old.article_id);
    END
    """,
    """
    CREATE TRIGGER sites_count_capture_update
    AFTER UPDATE OF article_id, outcome, error_reason ON captures
    BEGIN
        UPDATE sites SET capture_count = capture_count - 1,
                         error_count = error_count - (old.outcome = 'error')
        WHERE old.article_id IS NOT NULL
          AND id = (SELECT site_id FROM articles WHERE id = old.article_id);
        UPDATE site_errors SET count = count - 1
        WHERE old.outcome = 'error' AND reason = coalesce(old.error_reason, 'unknown')
          AND site_id = (SELECT site_id FROM articles WHERE id = old.article_id);
        UPDATE sites SET capture_count = capture_count + 1,
                         error_count = error_count + (new.outcome = 'error'),
                         last_capture_at = CASE
                             WHEN last_capture_at IS NULL OR last_capture_at < new.fetched_at
                             THEN new.fetched_at ELSE last_capture_at END
        WHERE new.article_id IS NOT NULL
          AND id = (SELECT site_id FROM articles WHERE id = new.article_id);
        INSERT INTO site_errors (site_id, reason, count)
        SELECT site_id, coalesce(new.error_reason, 'unknown'), 1 FROM articles
        WHERE id = new.article_id AND new.outcome = 'error'
        ON CONFLICT (site_id, reason) DO UPDATE SET count = count + 1;
    END
    """,
)
SQLITE_TRIGGER_NAMES = (
    "sites_count_article_insert",
    "sites_count_article_delete",
    "sites_count_article_update",
    "sites_count_capture_insert",
    "sites_count_capture_delete",
    "sites_count_capture_update",
)

POSTGRES_FUNCTIONS = (
    """
    CREATE FUNCTION sites_count_articles() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE sites SET article_count = article_count - 1,
                             version_count = version_count - OLD.version_count
            WHERE id = OLD.site_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE sites SET article_count = article_count + 1,
                             version_count = version_count + NEW.version_count
            WHERE id = NEW.site_id;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION sites_count_captures() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.article_id IS NOT NULL THEN
            UPDATE sites SET capture_count = capture_count - 1,
                             error_count = error_count - (OLD.outcome = 'error')::int
            WHERE id = (SELECT site_id FROM articles WHERE id = OLD.article_id);
            UPDATE site_errors SET count = count - 1
            WHERE OLD.outcome = 'error' AND reason = coalesce(OLD.error_reason, 'unknown')
              AND site_id = (SELECT site_id FROM articles WHERE id = OLD.article_id);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.article_id IS NOT NULL THEN
            UPDATE sites SET capture_count = capture_count + 1,
                             error_count = error_count + (NEW.outcome = 'error')::int,
                             last_capture_at = GREATEST(last_capture_at, NEW.fetched_at)
            WHERE id = (SELECT site_id FROM articles WHERE id = NEW.article_id);
            INSERT INTO site_errors (site_id, reason, count)
            SELECT site_id, coalesce(NEW.error_reason, 'unknown'), 1 FROM articles
            WHERE id = NEW.article_id AND NEW.outcome = 'error'
            ON CONFLICT (site_id, reason) DO UPDATE SET count = site_errors.count + 1;
        END IF;
        RETURN NULL;
    END $$
    """,
)
POSTGRES_TRIGGERS = (
    """
    CREATE TRIGGER sites_count_articles AFTER INSERT OR DELETE OR UPDATE OF version_count, site_id
    ON articles FOR EACH ROW EXECUTE FUNCTION sites_count_articles()
    """,
    """
    CREATE TRIGGER sites_count_captures
    AFTER INSERT OR DELETE OR UPDATE OF article_id, outcome, error_reason
    ON captures FOR EACH ROW EXECUTE FUNCTION sites_count_captures()
    """,
)

# The same recount as storage.counters.recount_sites (a migration must not import the app).
RECOUNT = """
UPDATE sites SET
    article_count = (SELECT count(*) FROM articles WHERE articles.site_id = sites.id),
    version_count = (SELECT coalesce(sum(version_count), 0) FROM articles
                     WHERE articles.site_id = sites.id),
    capture_count = (SELECT count(*) FROM captures JOIN articles ON articles.id = captures.article_id
                     WHERE articles.site_id = sites.id),
    error_count = (SELECT count(*) FROM captures JOIN articles ON articles.id = captures.article_id
                   WHERE articles.site_id = sites.id AND captures.outcome = 'error'),
    last_capture_at = (SELECT max(captures.fetched_at) FROM captures
                       JOIN articles ON articles.id = captures.article_id
                       WHERE articles.site_id = sites.id)
"""
RECOUNT_ERRORS = """
INSERT INTO site_errors (site_id, reason, count)
SELECT articles.site_id, coalesce(captures.error_reason, 'unknown'), count(*)
FROM captures JOIN articles ON articles.id = captures.article_id
WHERE captures.outcome = 'error'
GROUP BY articles.site_id, coalesce(captures.error_reason, 'unknown')
"""


def upgrade() -> None:
    for name in COUNTERS:
        op.add_column("sites", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.add_column("sites", sa.Column("last_capture_at", sa.DateTime(timezone=True)))
    op.create_index("ix_articles_first_seen_at_id", "articles", ["first_seen_at", "id"])
    op.create_index(
        "ix_articles_site_id_first_seen_at", "articles", ["site_id", "first_seen_at", "id"]
    )
    # Its leading column leads ix_captures_article_id_fetched_at too, which serves every query.
    op.drop_index("ix_captures_article_id", "captures")
    op.create_table(
        "site_errors",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_site_errors_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "reason", name="pk_site_errors"),
    )
    op.execute(RECOUNT)
    op.execute(RECOUNT_ERRORS)
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*POSTGRES_FUNCTIONS, *POSTGRES_TRIGGERS):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sites_count_captures ON captures")
        op.execute("DROP TRIGGER IF EXISTS sites_count_articles ON articles")
        op.execute("DROP FUNCTION IF EXISTS sites_count_captures()")
        op.execute("DROP FUNCTION IF EXISTS sites_count_articles()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("site_errors")
    op.create_index("ix_captures_article_id", "captures", ["article_id"])
    op.drop_index("ix_articles_site_id_first_seen_at", "articles")
    op.drop_index("ix_articles_first_seen_at_id", "articles")
    op.drop_column("sites", "last_capture_at")
    for name in reversed(COUNTERS):
        op.drop_column("sites", name)
