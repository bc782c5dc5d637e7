"""where a version's body came from

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:10:00

``versions.body_source`` (docs/javascript-pages.md): ``html`` (the page's HTML), ``jsonld``
(its JSON-LD ``articleBody``), ``embedded_data`` (framework data embedded in the page: Next.js,
Nuxt, state blobs), ``amp`` (the AMP version the page links to) or ``rendered`` (a browser's
DOM). NULL for versions made before this revision: from the HTML, as everything was then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not batch mode: rebuilding `versions` on SQLite would drop a table that
# captures and the search index point at. SQLite drops a column in place since 3.35.
def upgrade() -> None:
    op.add_column("versions", sa.Column("body_source", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("versions", "body_source")
