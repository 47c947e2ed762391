"""The initial schema: portfolios, ticks, snapshots, alert states and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Spelled out rather than imported from monitor.store.types, so this file keeps meaning
# the same DDL whatever the application code becomes. SQLite keeps exact decimals as TEXT.
MONEY = sa.Numeric(28, 10).with_variant(sa.Text(), "sqlite")
MOMENT = sa.DateTime(timezone=True)
PORTFOLIO_ID = sa.String(200)


def money(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, MONEY, nullable=nullable)


def moment(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, MOMENT, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "portfolios",
        sa.Column("id", PORTFOLIO_ID, nullable=False),
        sa.Column("parent_id", PORTFOLIO_ID, nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        moment("created_at"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["portfolios.id"], name=op.f("fk_portfolios_parent_id_portfolios")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolios")),
    )
    op.create_table(
        "alert_states",
        sa.Column("portfolio_id", PORTFOLIO_ID, nullable=False),
        sa.Column("drift_state", sa.String(20), nullable=False),
        sa.Column("breaching", sa.JSON(), nullable=False),
        money("worst_drift"),
        sa.Column("notified_classes", sa.JSON(), nullable=False),
        money("notified_worst_drift"),
        moment("drifted_since", nullable=True),
        moment("last_notified_at", nullable=True),
        sa.Column("source_state", sa.String(20), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        moment("stale_notified_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        moment("updated_at"),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_alert_states_portfolio_id_portfolios"),
        ),
        sa.PrimaryKeyConstraint("portfolio_id", name=op.f("pk_alert_states")),
    )
    op.create_table(
        "ticks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", PORTFOLIO_ID, nullable=False),
        moment("scheduled_at"),
        moment("started_at"),
        moment("finished_at", nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["portfolio_id"], ["portfolios.id"], name=op.f("fk_ticks_portfolio_id_portfolios")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticks")),
        sa.UniqueConstraint(
            "portfolio_id", "scheduled_at", name=op.f("uq_ticks_portfolio_id_scheduled_at")
        ),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", PORTFOLIO_ID, nullable=False),
        sa.Column("tick_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("route", PORTFOLIO_ID, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        moment("next_attempt_at"),
        moment("claimed_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_targets", sa.JSON(), nullable=False),
        moment("created_at"),
        moment("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["portfolio_id"],
            ["portfolios.id"],
            name=op.f("fk_notifications_portfolio_id_portfolios"),
        ),
        sa.ForeignKeyConstraint(
            ["tick_id"],
            ["ticks.id"],
            name=op.f("fk_notifications_tick_id_ticks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_status_next_attempt_at", "notifications", ["status", "next_attempt_at"]
    )
    op.create_index(op.f("ix_notifications_tick_id"), "notifications", ["tick_id"])
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portfolio_id", PORTFOLIO_ID, nullable=False),
        sa.Column("tick_id", sa.Integer(), nullable=True),
        moment("taken_at"),
        money("portfolio_value"),
        money("holdings_value"),
        money("unallocated_value"),
        money("total_drift"),
        money("worst_drift"),
        sa.Column("needs_rebalancing", sa.Boolean(), nullable=False),
        money("threshold"),
        money("relative_threshold", nullable=True),
        sa.Column("holdings_stored", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["portfolio_id"], ["portfolios.id"], name=op.f("fk_snapshots_portfolio_id_portfolios")
        ),
        sa.ForeignKeyConstraint(["tick_id"], ["ticks.id"], name=op.f("fk_snapshots_tick_id_ticks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
        sa.UniqueConstraint(
            "portfolio_id", "tick_id", name=op.f("uq_snapshots_portfolio_id_tick_id")
        ),
    )
    op.create_index(
        "ix_snapshots_portfolio_id_taken_at",
        "snapshots",
        ["portfolio_id", "taken_at", "id", "total_drift", "worst_drift", "needs_rebalancing"],
    )
    op.create_index(op.f("ix_snapshots_tick_id"), "snapshots", ["tick_id"])
    op.create_table(
        "notification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        moment("attempted_at"),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_attempts_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_attempts")),
    )
    op.create_index(
        op.f("ix_notification_attempts_notification_id"),
        "notification_attempts",
        ["notification_id"],
    )
    op.create_table(
        "snapshot_classes",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("asset_class", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        money("current_value"),
        money("current_percent"),
        money("target_percent"),
        money("target_value"),
        money("difference"),
        money("drift"),
        sa.Column("breach", sa.String(20), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_snapshot_classes_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "asset_class", name=op.f("pk_snapshot_classes")),
    )
    op.create_table(
        "snapshot_holdings",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("asset_class", sa.String(100), nullable=False),
        sa.Column("symbol", sa.String(200), nullable=False),
        money("value"),
        money("quantity", nullable=True),
        money("price", nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_snapshot_holdings_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "asset_class", "symbol", name=op.f("pk_snapshot_holdings")
        ),
    )


def downgrade() -> None:
    op.drop_table("snapshot_holdings")
    op.drop_table("snapshot_classes")
    op.drop_index(op.f("ix_notification_attempts_notification_id"), "notification_attempts")
    op.drop_table("notification_attempts")
    op.drop_index(op.f("ix_snapshots_tick_id"), "snapshots")
    op.drop_index("ix_snapshots_portfolio_id_taken_at", "snapshots")
    op.drop_table("snapshots")
    op.drop_index(op.f("ix_notifications_tick_id"), "notifications")
    op.drop_index("ix_notifications_status_next_attempt_at", "notifications")
    op.drop_table("notifications")
    op.drop_table("ticks")
    op.drop_table("alert_states")
    op.drop_table("portfolios")
