"""Alert states lose breaching and worst_drift, which were never written but as [] and 0.

What the alert policy remembers is in the other columns (notified_classes,
notified_worst_drift, ...); the two were left over from an earlier model and only misled a
reader of the table. Downgrading puts them back as 0001 had them, holding [] and 0, as the
code of 0001 wrote them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# As 0001 spells them: this file keeps meaning the same DDL whatever the code becomes.
MONEY = sa.Numeric(28, 10).with_variant(sa.Text(), "sqlite")


def upgrade() -> None:
    # SQLite alters a table by copying it: batch mode does that there, and plain ALTERs
    # on PostgreSQL.
    with op.batch_alter_table("alert_states") as table:
        table.drop_column("breaching")
        table.drop_column("worst_drift")


def downgrade() -> None:
    # Filled by a server default for the rows there are, which 0001 did not have: dropped
    # once they are filled.
    with op.batch_alter_table("alert_states") as table:
        table.add_column(sa.Column("breaching", sa.JSON(), nullable=False, server_default="[]"))
        table.add_column(sa.Column("worst_drift", MONEY, nullable=False, server_default="0"))
    with op.batch_alter_table("alert_states") as table:
        table.alter_column("breaching", server_default=None)
        table.alter_column("worst_drift", server_default=None)
