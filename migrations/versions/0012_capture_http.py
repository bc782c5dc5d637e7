"""the HTTP exchange of each capture

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 13:10:00

``captures.http`` (docs/warc.md): the request and response heads as sent and received, each
redirect hop, and the sha256 of the body as received, as zlib-compressed JSON
(storage/capture_http.py). NULL for captures made before this revision: their WARC export
synthesises the heads and says so.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: rebuilding `captures` on SQLite is slow and unneeded.
def upgrade() -> None:
    op.add_column("captures", sa.Column("http", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("captures", "http")
