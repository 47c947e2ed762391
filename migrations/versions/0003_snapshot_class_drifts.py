"""Snapshots gain class_drifts: each class's drift, compact, so that a drift history reads
one row per snapshot instead of joining its class rows.

A JSON object of class name to drift, in the classes' order (``{"stocks":10.5,
"bonds":-10.5}``), each drift a JSON number written as the class row holds it. Filled
here from the class rows for the snapshots there are; ticks write it with each snapshot
from now on.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The drifts are written as they are stored (SQLite's text, PostgreSQL's numeric as text):
# both are JSON numbers, and exact, which a JSON function's conversion would not keep.
FILL_SQLITE = """
UPDATE snapshots SET class_drifts = '{' || COALESCE((
    SELECT group_concat(json_quote(asset_class) || ':' || drift, ',') FROM (
        SELECT asset_class, drift FROM snapshot_classes
        WHERE snapshot_id = snapshots.id ORDER BY position
    )
), '') || '}'
"""
FILL_POSTGRESQL = """
UPDATE snapshots SET class_drifts = '{' || COALESCE((
    SELECT string_agg(to_json(asset_class)::text || ':' || drift::text, ',' ORDER BY position)
    FROM snapshot_classes WHERE snapshot_id = snapshots.id
), '') || '}'
"""


def upgrade() -> None:
    op.add_column("snapshots", sa.Column("class_drifts", sa.Text(), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(FILL_SQLITE if sqlite else FILL_POSTGRESQL)
    # SQLite alters a column by copying the table: batch mode does that there.
    with op.batch_alter_table("snapshots") as table:
        table.alter_column("class_drifts", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as table:
        table.drop_column("class_drifts")
