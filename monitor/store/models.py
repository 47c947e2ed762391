"""The tables, as typed SQLAlchemy models. The schema itself is made by the migrations.

The tick pipeline, the alert policy and the outbox depend on these table and column names.
Every money amount and percent is an ``ExactDecimal``; every time is a ``UTCDateTime``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.store.types import ExactDecimal, UTCDateTime

# Named constraints, so that migrations can drop them by name (SQLite batch mode needs it).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PORTFOLIO_ID = String(200)
CLASS_NAME = String(100)
CURRENCY = String(3)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: ExactDecimal(),
        datetime: UTCDateTime(),
        str: String(200),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class Portfolio(Base):
    """A configured portfolio, or one account of a multi-account entry (``clients/acct-17``)."""

    __tablename__ = "portfolios"

    id: Mapped[str] = mapped_column(PORTFOLIO_ID, primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("portfolios.id"))
    name: Mapped[str]
    created_at: Mapped[datetime]


class Tick(Base):
    """One scheduled run of one config entry; the unique row is the replicas' claim."""

    __tablename__ = "ticks"
    __table_args__ = (UniqueConstraint("portfolio_id", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[str] = mapped_column(ForeignKey("portfolios.id"))
    scheduled_at: Mapped[datetime]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))  # running, ok, partial, failed, skipped
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None]


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("portfolio_id", "tick_id"),
        # "The latest snapshot of a portfolio" and "its drift over a time range" both walk
        # this index; ``id`` breaks ties between snapshots taken at the same instant. The
        # drift columns make it covering: a portfolio's rows are spread over every page of
        # the table (all portfolios tick together), so reading the table for them would
        # cost a page per snapshot.
        Index(
            "ix_snapshots_portfolio_id_taken_at",
            "portfolio_id",
            "taken_at",
            "id",
            "total_drift",
            "worst_drift",
            "needs_rebalancing",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[str] = mapped_column(ForeignKey("portfolios.id"))
    tick_id: Mapped[int | None] = mapped_column(ForeignKey("ticks.id"), index=True)
    taken_at: Mapped[datetime]
    portfolio_value: Mapped[Decimal]
    holdings_value: Mapped[Decimal]
    unallocated_value: Mapped[Decimal]
    total_drift: Mapped[Decimal]
    worst_drift: Mapped[Decimal]
    needs_rebalancing: Mapped[bool] = mapped_column(Boolean)
    threshold: Mapped[Decimal]
    relative_threshold: Mapped[Decimal | None]
    # False when the portfolio's config says not to keep holdings: then no holding rows is
    # "not recorded", not "held nothing", and attribution cannot look inside the classes.
    holdings_stored: Mapped[bool] = mapped_column(Boolean)
    # The currency its amounts are in; None: single-currency mode, or a snapshot written
    # before currencies (read as the configured base currency).
    base_currency: Mapped[str | None] = mapped_column(CURRENCY)
    # Each class's drift, compact (monitor.store.class_drifts): a drift history reads this
    # row alone, not the snapshot's class rows.
    class_drifts: Mapped[str] = mapped_column(Text)
    # The time the holdings are of, when their source says (a broker export's own date).
    as_of: Mapped[datetime | None]


class SnapshotClass(Base):
    __tablename__ = "snapshot_classes"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    asset_class: Mapped[str] = mapped_column(CLASS_NAME, primary_key=True)
    position: Mapped[int]  # the report's order: targets as configured, then untargeted
    current_value: Mapped[Decimal]
    current_percent: Mapped[Decimal]
    target_percent: Mapped[Decimal]
    target_value: Mapped[Decimal]
    difference: Mapped[Decimal]
    drift: Mapped[Decimal]
    breach: Mapped[str | None] = mapped_column(String(20))  # absolute, relative, ...


class SnapshotHolding(Base):
    __tablename__ = "snapshot_holdings"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    # The class is part of the key: a symbol labelled with two classes (in two accounts of
    # an aggregated entry, or split across classes) is two rows, not a key clash.
    asset_class: Mapped[str] = mapped_column(CLASS_NAME, primary_key=True)
    symbol: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[Decimal]
    quantity: Mapped[Decimal | None]
    price: Mapped[Decimal | None]  # in the base currency, as the value is
    currency: Mapped[str | None] = mapped_column(CURRENCY)  # None: the base currency
    native_value: Mapped[Decimal | None]  # its value in its own currency, if converted


class SnapshotFxRate(Base):
    """A rate that converted holdings of a snapshot: 1 ``pair[:3]`` = ``rate`` ``pair[3:]``."""

    __tablename__ = "snapshot_fx_rates"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    pair: Mapped[str] = mapped_column(String(6), primary_key=True)  # EURUSD
    rate: Mapped[Decimal]
    as_of: Mapped[date | None]


class SnapshotCurrency(Base):
    """A snapshot's share in one currency (its currency exposure), and its drift."""

    __tablename__ = "snapshot_currencies"

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(CURRENCY, primary_key=True)
    position: Mapped[int]  # the report's order: largest first
    value: Mapped[Decimal]  # in the base currency
    native_value: Mapped[Decimal]
    percent: Mapped[Decimal]
    target_percent: Mapped[Decimal | None]
    drift: Mapped[Decimal | None]
    breach: Mapped[str | None] = mapped_column(String(20))


class AlertState(Base):
    """What the alert policy remembers of a portfolio between ticks."""

    __tablename__ = "alert_states"

    portfolio_id: Mapped[str] = mapped_column(ForeignKey("portfolios.id"), primary_key=True)
    drift_state: Mapped[str] = mapped_column(String(20), default="in_band")
    # The policy's baselines: classes already alerted this episode, worst drift at the last
    # notice (see monitor.domain.alerting.AlertState).
    notified_classes: Mapped[list[str]] = mapped_column(default=list)
    notified_worst_drift: Mapped[Decimal] = mapped_column(default=Decimal(0))
    drifted_since: Mapped[datetime | None]
    last_notified_at: Mapped[datetime | None]
    source_state: Mapped[str] = mapped_column(String(20), default="ok")
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    stale_notified_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class Notification(Base):
    """The transactional outbox: written with the snapshot, sent later by the drain job."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_status_next_attempt_at", "status", "next_attempt_at"),
        # The overview's last alert of each account, and a portfolio's alerts newest first:
        # with the id in it, PostgreSQL answers max(id) per portfolio from the index alone.
        Index("ix_notifications_portfolio_id_id", "portfolio_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[str] = mapped_column(ForeignKey("portfolios.id"))
    # Pruning old ticks keeps the notifications they produced.
    tick_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticks.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    route: Mapped[str] = mapped_column(PORTFOLIO_ID)  # the config entry whose routing applies
    title: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, sent, dead
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_targets: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class NotificationAttempt(Base):
    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime]
    target: Mapped[str]  # redacted: never a secret
    outcome: Mapped[str] = mapped_column(String(20))  # sent, failed
    error: Mapped[str | None] = mapped_column(Text)


class Silence(Base):
    """A user's "I know": reminders held back for matching portfolios until ``ends_at``."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A portfolio, an account or a glob over accounts (clients/*): no foreign key.
    portfolio: Mapped[str] = mapped_column(PORTFOLIO_ID)
    asset_class: Mapped[str | None] = mapped_column(CLASS_NAME)
    all_notices: Mapped[bool] = mapped_column(Boolean)  # first alerts and escalations too
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]  # expiring early moves it to that moment
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str]
    created_at: Mapped[datetime]
    expired_by: Mapped[str | None]


class Acknowledgement(Base):
    """An alert acknowledged: the portfolio's drift state then, which it holds while unchanged."""

    __tablename__ = "acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[str] = mapped_column(ForeignKey("portfolios.id"), index=True)
    alert_id: Mapped[int]  # no foreign key: the notification may be pruned, the ack stays
    drifted_since: Mapped[datetime]
    notified_classes: Mapped[list[str]]
    notified_worst_drift: Mapped[Decimal]
    created_by: Mapped[str]
    created_at: Mapped[datetime]


class SuppressedNotice(Base):
    """A notice a silence or an acknowledgement held back: the history shows it."""

    __tablename__ = "suppressed_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    portfolio_id: Mapped[str] = mapped_column(ForeignKey("portfolios.id"), index=True)
    tick_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticks.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)  # silence 3, acknowledgement of alert 42
    decided_at: Mapped[datetime]
