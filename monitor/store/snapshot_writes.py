"""Writing a tick's snapshots with their class and holding rows, in the caller's transaction.

A tick of a 10,000-account entry writes 10,000 snapshots, 60,000 class rows and half a
million holding rows: all of them go through the driver's ``executemany`` (see
``monitor.store.bulk``), with the snapshots' ids reserved first so that nothing has to come
back from the inserts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from monitor.domain.allocation import AllocationReport, Holding
from monitor.store.bulk import (
    BATCH_ROWS,
    StoredValues,
    as_stored,
    insert_batches,
    insert_rows,
    stored_values,
)
from monitor.store.class_drifts import class_drifts_text
from monitor.store.models import (
    Snapshot,
    SnapshotClass,
    SnapshotCurrency,
    SnapshotFxRate,
    SnapshotHolding,
)


class NewSnapshot(NamedTuple):
    portfolio_id: str
    tick_id: int | None
    taken_at: datetime
    report: AllocationReport
    store_holdings: bool = True
    as_of: datetime | None = None  # the time the holdings are of, if their source said


SNAPSHOT_COLUMNS = (
    "id",
    "portfolio_id",
    "tick_id",
    "taken_at",
    "portfolio_value",
    "holdings_value",
    "unallocated_value",
    "total_drift",
    "worst_drift",
    "needs_rebalancing",
    "threshold",
    "relative_threshold",
    "holdings_stored",
    "base_currency",
    "class_drifts",
    "as_of",
)
CLASS_COLUMNS = (
    "snapshot_id",
    "asset_class",
    "position",
    "current_value",
    "current_percent",
    "target_percent",
    "target_value",
    "difference",
    "drift",
    "breach",
)
HOLDING_COLUMNS = (
    "snapshot_id",
    "asset_class",
    "symbol",
    "value",
    "quantity",
    "price",
    "currency",
    "native_value",
)
RATE_COLUMNS = ("snapshot_id", "pair", "rate", "as_of")
CURRENCY_COLUMNS = (
    "snapshot_id",
    "currency",
    "position",
    "value",
    "native_value",
    "percent",
    "target_percent",
    "drift",
    "breach",
)


def merged(holdings: Sequence[Holding]) -> Sequence[Holding]:
    """One holding per (class, symbol): an entry's accounts may each hold the same symbol."""
    if len({(h.asset_class, h.symbol) for h in holdings}) == len(holdings):
        return holdings  # the common case: nothing to merge
    groups: dict[tuple[str, str], list[Holding]] = {}
    for holding in holdings:
        groups.setdefault((holding.asset_class, holding.symbol), []).append(holding)
    result = []
    for (asset_class, symbol), group in groups.items():
        if len(group) == 1:
            result.append(group[0])
            continue
        value = sum((h.value for h in group), Decimal(0))
        quantities = [h.quantity for h in group if h.quantity is not None]
        quantity = sum(quantities, Decimal(0)) if len(quantities) == len(group) else None
        price = value / quantity if quantity else None  # the value-weighted average price
        kept = quantity if price is not None else None
        currency, native = merged_native(group)
        result.append(
            Holding(symbol, asset_class, value, kept, price, None, None, currency, native)
        )
    return result


def merged_native(group: list[Holding]) -> tuple[str | None, Decimal | None]:
    """The currency and native value of holdings merged into one: theirs if they share a
    currency, else none (the merged row is in the base currency alone)."""
    currencies = {h.currency for h in group}
    if len(currencies) != 1:
        return None, None
    natives = [h.native_value for h in group]
    if any(native is None for native in natives):
        return currencies.pop(), None
    return currencies.pop(), sum((n for n in natives if n is not None), Decimal(0))


def reserve_snapshot_ids(session: Session, count: int) -> list[int]:
    """``count`` new snapshot ids, in increasing order.

    PostgreSQL hands them out from the table's sequence, safe among replicas. On SQLite the
    tick's transaction holds the database's only write lock (``BEGIN IMMEDIATE``), so the
    ids after the largest one are free until it commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        reserved = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('snapshots', 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"count": count},
        ).scalars()
        return sorted(reserved)
    largest = session.execute(select(func.coalesce(func.max(Snapshot.id), 0))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


def snapshot_rows(
    ids: Sequence[int], snapshots: Sequence[NewSnapshot], stored: StoredValues, session: Session
) -> Iterator[tuple[Any, ...]]:
    money = stored.decimal
    moment = as_stored(Snapshot.__table__.c.taken_at, session.get_bind().dialect)
    times: dict[datetime, Any] = {}  # a tick's snapshots usually share one time
    for id_, new in zip(ids, snapshots, strict=True):
        report = new.report
        if new.taken_at not in times:
            times[new.taken_at] = moment(new.taken_at)
        yield (
            id_,
            new.portfolio_id,
            new.tick_id,
            times[new.taken_at],
            money(report.portfolio_value),
            money(report.holdings_value),
            money(report.unallocated_value),
            money(report.total_drift),
            money(report.worst_drift),
            report.needs_rebalancing,
            money(report.policy.threshold),
            money(report.policy.relative_threshold),
            new.store_holdings,
            report.base_currency,
            class_drifts_text(report.classes),
            None if new.as_of is None else moment(new.as_of),
        )


def class_rows(
    ids: Sequence[int], snapshots: Sequence[NewSnapshot], stored: StoredValues
) -> Iterator[tuple[Any, ...]]:
    money = stored.decimal
    for id_, new in zip(ids, snapshots, strict=True):
        for position, c in enumerate(new.report.classes):
            yield (
                id_,
                c.asset_class,
                position,
                money(c.current_value),
                money(c.current_percent),
                money(c.target_percent),
                money(c.target_value),
                money(c.difference),
                money(c.drift),
                c.breach,
            )


def holding_rows(
    ids: Sequence[int], snapshots: Sequence[NewSnapshot], stored: StoredValues
) -> Iterator[list[tuple[Any, ...]]]:
    """The holding rows, in batches of about ``BATCH_ROWS``: half a million a tick."""
    money = stored.decimal
    rows: list[tuple[Any, ...]] = []
    for id_, new in zip(ids, snapshots, strict=True):
        if new.store_holdings:
            rows += [
                (
                    id_,
                    h.asset_class,
                    h.symbol,
                    money(h.value),
                    money(h.quantity),
                    money(h.price),
                    h.currency,
                    money(h.native_value),
                )
                for h in merged(new.report.holdings)
            ]
            if len(rows) >= BATCH_ROWS:
                yield rows
                rows = []
    yield rows


def rate_rows(
    ids: Sequence[int], snapshots: Sequence[NewSnapshot], stored: StoredValues, session: Session
) -> Iterator[tuple[Any, ...]]:
    """The rates that converted each snapshot's holdings: with it, a snapshot says which
    rate made it, and history stays reproducible."""
    day = as_stored(SnapshotFxRate.__table__.c.as_of, session.get_bind().dialect)
    for id_, new in zip(ids, snapshots, strict=True):
        for rate in new.report.fx_rates:
            as_of = None if rate.as_of is None else day(rate.as_of)
            yield (id_, rate.pair, stored.decimal(rate.rate), as_of)


def currency_rows(
    ids: Sequence[int], snapshots: Sequence[NewSnapshot], stored: StoredValues
) -> Iterator[tuple[Any, ...]]:
    money = stored.decimal
    for id_, new in zip(ids, snapshots, strict=True):
        for position, e in enumerate(new.report.currency_exposure):
            yield (
                id_,
                e.currency,
                position,
                money(e.value),
                money(e.native_value),
                money(e.percent),
                money(e.target_percent),
                money(e.drift),
                e.breach,
            )


def save_snapshots(*, session: Session, snapshots: Sequence[NewSnapshot]) -> list[int]:
    """Insert snapshots with their class and holding rows, through the driver in bulk.

    Returns the new ids in the order given. Does not commit: the tick's snapshot, alert
    state and notifications belong in one transaction.
    """
    if not snapshots:
        return []
    keys = [(s.portfolio_id, s.tick_id, s.taken_at) for s in snapshots]
    if len(set(keys)) != len(keys):
        raise ValueError("two snapshots of one portfolio for the same tick and time")
    ids = reserve_snapshot_ids(session, len(snapshots))
    stored = stored_values(session)
    insert_rows(
        session,
        Snapshot.__tablename__,
        SNAPSHOT_COLUMNS,
        snapshot_rows(ids, snapshots, stored, session),
    )
    insert_rows(
        session, SnapshotClass.__tablename__, CLASS_COLUMNS, class_rows(ids, snapshots, stored)
    )
    rows = holding_rows(ids, snapshots, stored)
    insert_batches(session, SnapshotHolding.__tablename__, HOLDING_COLUMNS, rows)
    if any(s.report.base_currency is not None for s in snapshots):
        insert_rows(
            session,
            SnapshotFxRate.__tablename__,
            RATE_COLUMNS,
            rate_rows(ids, snapshots, stored, session),
        )
        insert_rows(
            session,
            SnapshotCurrency.__tablename__,
            CURRENCY_COLUMNS,
            currency_rows(ids, snapshots, stored),
        )
    return ids
