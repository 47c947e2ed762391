"""Snapshots gain as_of: the time their holdings are of, when the source says (a broker
export's own date: Schwab's "as of", Fidelity's "Date downloaded"), which may be well before
the snapshot was taken.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# As 0001 spells a moment: this file keeps meaning the same DDL whatever the code becomes.
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as table:
        table.add_column(sa.Column("as_of", MOMENT, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as table:
        table.drop_column("as_of")
