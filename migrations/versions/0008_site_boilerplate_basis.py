"""site boilerplate basis

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 05:00:00

``sites.boilerplate_basis``: the id of the site's newest version when its boilerplate was last
learned (storage/boilerplate.py). Learning reads the latest texts of up to 200 of the site's
articles; with this, a process that needs the site's boilerplate while no version was added
since reuses what is stored instead of reading them all again (a revisit round every 15
minutes would otherwise do it for every host it fetches a page of). Nullable: never learned.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sites", sa.Column("boilerplate_basis", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("boilerplate_basis")
