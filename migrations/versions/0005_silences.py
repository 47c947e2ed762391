"""Silences, acknowledgements, and the notices they held back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# As 0001 spells them: this file keeps meaning the same DDL whatever the code becomes.
MONEY = sa.Numeric(28, 10).with_variant(sa.Text(), "sqlite")
MOMENT = sa.DateTime(timezone=True)
PORTFOLIO_ID = sa.String(200)


def moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, MOMENT, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio", PORTFOLIO_ID, nullable=False),
        sa.Column("asset_class", sa.String(100), nullable=True),
        sa.Column("all_notices", sa.Boolean(), nullable=False),
        moment("starts_at"),
        moment("ends_at"),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        moment("created_at"),
        sa.Column("expired_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", PORTFOLIO_ID, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        moment("drifted_since"),
        sa.Column("notified_classes", sa.JSON(), nullable=False),
        sa.Column("notified_worst_drift", MONEY, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        moment("created_at"),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_acknowledgements_portfolio_id_portfolios"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
    )
    op.create_index(op.f("ix_acknowledgements_portfolio_id"), "acknowledgements", ["portfolio_id"])
    op.create_table(
        "suppressed_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", PORTFOLIO_ID, nullable=False),
        sa.Column("tick_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        moment("decided_at"),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_suppressed_notices_portfolio_id_portfolios"),
        ),
        sa.ForeignKeyConstraint(
            ["tick_id"],
            ["ticks.id"],
            name=op.f("fk_suppressed_notices_tick_id_ticks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressed_notices")),
    )
    op.create_index(
        op.f("ix_suppressed_notices_portfolio_id"), "suppressed_notices", ["portfolio_id"]
    )
    op.create_index(op.f("ix_suppressed_notices_tick_id"), "suppressed_notices", ["tick_id"])


def downgrade() -> None:
    op.drop_table("suppressed_notices")
    op.drop_table("acknowledgements")
    op.drop_table("silences")
