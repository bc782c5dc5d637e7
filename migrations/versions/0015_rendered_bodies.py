"""the server's own response beside a rendered page

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 14:00:00

``captures.server_body_sha256`` (docs/javascript-pages.md, docs/warc.md): for a page rendered
in a browser, the body the server sent (usually an app shell), stored in ``raw_bodies`` like
any body and deduplicated by sha256. ``raw_body_sha256`` stays what the article was extracted
from: for a rendered capture the DOM the browser rendered, so ``reextract`` needs no browser.
NULL for every capture that was not rendered, and for rendered captures made before this
revision (their server response was not kept).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FK_NAME = "fk_captures_server_body_sha256_raw_bodies"


# Plain ALTER TABLE, not batch mode: rebuilding `captures` on SQLite is slow and unneeded.
# SQLite takes the foreign key inline (Alembic would emit a separate ADD CONSTRAINT it lacks).
def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE captures ADD COLUMN server_body_sha256 VARCHAR(64) "
            f"CONSTRAINT {FK_NAME} REFERENCES raw_bodies (sha256)"
        )
    else:
        op.add_column(
            "captures",
            sa.Column(
                "server_body_sha256",
                sa.String(64),
                sa.ForeignKey("raw_bodies.sha256", name=FK_NAME),
                nullable=True,
            ),
        )
    op.create_index("ix_captures_server_body_sha256", "captures", ["server_body_sha256"])


def downgrade() -> None:
    op.drop_index("ix_captures_server_body_sha256", table_name="captures")
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("server_body_sha256")
