"""Notifications gain an index on (portfolio_id, id): the overview looks up each account's
last alert, and a portfolio's page its alerts newest first, without reading the whole
outbox.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notifications_portfolio_id_id", "notifications", ["portfolio_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_portfolio_id_id", table_name="notifications")
