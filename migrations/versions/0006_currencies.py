"""Currencies: a snapshot names its base currency and keeps the exchange rates that made it
and its currency exposure; a holding row keeps its native currency and value.

Snapshots written before have no base currency (NULL): they read as the configured one.
Every new column is nullable, so the rows there are need no filling.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As 0001 spells them: this file keeps meaning the same DDL whatever the code becomes.
MONEY = sa.Numeric(28, 10).with_variant(sa.Text(), "sqlite")
CURRENCY = sa.String(3)


def money(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, MONEY, nullable=nullable)


def snapshot_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["snapshot_id"],
        ["snapshots.id"],
        name=op.f(f"fk_{table}_snapshot_id_snapshots"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    # Plain ALTERs on both databases (SQLite 3.35+ adds and drops a column in place): copying
    # snapshots, as batch mode would, deletes their class and holding rows by cascade.
    op.add_column("snapshots", sa.Column("base_currency", CURRENCY, nullable=True))
    op.add_column("snapshot_holdings", sa.Column("currency", CURRENCY, nullable=True))
    op.add_column("snapshot_holdings", money("native_value", nullable=True))
    op.create_table(
        "snapshot_fx_rates",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("pair", sa.String(6), nullable=False),
        money("rate"),
        sa.Column("as_of", sa.Date(), nullable=True),
        snapshot_key("snapshot_fx_rates"),
        sa.PrimaryKeyConstraint("snapshot_id", "pair", name=op.f("pk_snapshot_fx_rates")),
    )
    op.create_table(
        "snapshot_currencies",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("currency", CURRENCY, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        money("value"),
        money("native_value"),
        money("percent"),
        money("target_percent", nullable=True),
        money("drift", nullable=True),
        sa.Column("breach", sa.String(20), nullable=True),
        snapshot_key("snapshot_currencies"),
        sa.PrimaryKeyConstraint("snapshot_id", "currency", name=op.f("pk_snapshot_currencies")),
    )


def downgrade() -> None:
    op.drop_table("snapshot_currencies")
    op.drop_table("snapshot_fx_rates")
    op.drop_column("snapshot_holdings", "native_value")
    op.drop_column("snapshot_holdings", "currency")
    op.drop_column("snapshots", "base_currency")
