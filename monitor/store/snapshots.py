"""Writing snapshots (bulk, in the caller's transaction) and reading them back.

Time windows are half-open: ``since <= taken_at < until``; either bound may be omitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, Insert, Select, insert, select
from sqlalchemy.orm import Mapped, Session

from monitor.allocation import AllocationReport, Holding
from monitor.errors import NotFoundError
from monitor.store.batches import batches
from monitor.store.bulk import insert_rows, stored_values
from monitor.store.cursor import decode_cursor, encode_cursor
from monitor.store.models import Base, Snapshot, SnapshotClass, SnapshotHolding
from monitor.store.records import ClassRecord, HoldingRecord, SnapshotPage, SnapshotRecord


class NewSnapshot(NamedTuple):
    portfolio_id: str
    tick_id: int | None
    taken_at: datetime
    report: AllocationReport
    store_holdings: bool = True


def snapshot_row(new: NewSnapshot) -> dict[str, Any]:
    report = new.report
    return {
        "portfolio_id": new.portfolio_id,
        "tick_id": new.tick_id,
        "taken_at": new.taken_at,
        "portfolio_value": report.portfolio_value,
        "holdings_value": report.holdings_value,
        "unallocated_value": report.unallocated_value,
        "total_drift": report.total_drift,
        "worst_drift": report.worst_drift,
        "needs_rebalancing": report.needs_rebalancing,
        "threshold": report.policy.threshold,
        "relative_threshold": report.policy.relative_threshold,
        "holdings_stored": new.store_holdings,
    }


def merged(holdings: Iterable[Holding]) -> list[Holding]:
    """One holding per (class, symbol): an entry's accounts may each hold the same symbol."""
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
        result.append(Holding(symbol, asset_class, value, kept, price))
    return result


def bulk_insert(model: type[Base]) -> Insert:
    # The ORM leaves None values out of an INSERT, and so splits a batch wherever a
    # nullable column (``breach``) flips between None and a value: one statement per run
    # of rows instead of one for all. These tables have no server defaults to protect.
    return insert(model).execution_options(render_nulls=True)


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
HOLDING_COLUMNS = ("snapshot_id", "asset_class", "symbol", "value", "quantity", "price")


def save_snapshots(*, session: Session, snapshots: Sequence[NewSnapshot]) -> list[int]:
    """Insert snapshots with their class and holding rows, in a few bulk statements (the
    many class and holding rows through the driver: see ``monitor.store.bulk``).

    Returns the new ids in the order given. Does not commit: the tick's snapshot, alert
    state and notifications belong in one transaction.
    """
    if not snapshots:
        return []
    keys = [(s.portfolio_id, s.tick_id, s.taken_at) for s in snapshots]
    if len(set(keys)) != len(keys):
        raise ValueError("two snapshots of one portfolio for the same tick and time")
    # Rows come back matched by key rather than by position, which SQLite cannot promise
    # for a batched INSERT ... RETURNING.
    returned = session.execute(
        bulk_insert(Snapshot).returning(
            Snapshot.id, Snapshot.portfolio_id, Snapshot.tick_id, Snapshot.taken_at
        ),
        [snapshot_row(s) for s in snapshots],
    )
    ids_by_key = {(pid, tick, at): id_ for id_, pid, tick, at in returned}
    ids = [ids_by_key[key] for key in keys]
    stored = stored_values(session)
    money = stored.decimal
    insert_rows(
        session,
        SnapshotClass.__tablename__,
        CLASS_COLUMNS,
        (
            (
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
            for id_, new in zip(ids, snapshots, strict=True)
            for position, c in enumerate(new.report.classes)
        ),
    )
    insert_rows(
        session,
        SnapshotHolding.__tablename__,
        HOLDING_COLUMNS,
        (
            (id_, h.asset_class, h.symbol, money(h.value), money(h.quantity), money(h.price))
            for id_, new in zip(ids, snapshots, strict=True)
            if new.store_holdings
            for h in merged(new.report.holdings)
        ),
    )
    return ids


def in_window(
    portfolio_id: str, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of one portfolio's snapshots within ``[since, until)``."""
    clauses = [Snapshot.portfolio_id == portfolio_id]
    if since is not None:
        clauses.append(Snapshot.taken_at >= since)
    if until is not None:
        clauses.append(Snapshot.taken_at < until)
    return clauses


T = TypeVar("T")


def in_chunks(
    session: Session, query: Select[T], column: Mapped[int], ids: Sequence[int]
) -> Iterator[T]:
    """The rows of ``query`` whose ``column`` is one of ``ids``, a batch of ids at a time."""
    for part in batches(ids):
        yield from session.scalars(query.where(column.in_(part)))


def records(
    session: Session, rows: Sequence[Snapshot], *, with_holdings: bool
) -> list[SnapshotRecord]:
    """Records of ``rows`` with their classes (and holdings): one query each, not per row."""
    ids = [row.id for row in rows]
    classes: dict[int, list[ClassRecord]] = {id_: [] for id_ in ids}
    for c in in_chunks(
        session,
        select(SnapshotClass).order_by(SnapshotClass.snapshot_id, SnapshotClass.position),
        SnapshotClass.snapshot_id,
        ids,
    ):
        classes[c.snapshot_id].append(
            ClassRecord(
                c.asset_class,
                c.current_value,
                c.current_percent,
                c.target_percent,
                c.target_value,
                c.difference,
                c.drift,
                c.breach,
            )
        )
    holdings: dict[int, list[HoldingRecord]] = {id_: [] for id_ in ids}
    wanted = [row.id for row in rows if row.holdings_stored]
    if with_holdings:
        query = select(SnapshotHolding).order_by(
            SnapshotHolding.asset_class, SnapshotHolding.symbol
        )
        for h in in_chunks(session, query, SnapshotHolding.snapshot_id, wanted):
            holdings[h.snapshot_id].append(
                HoldingRecord(h.symbol, h.asset_class, h.value, h.quantity, h.price)
            )
    return [
        SnapshotRecord(
            id=row.id,
            portfolio_id=row.portfolio_id,
            tick_id=row.tick_id,
            taken_at=row.taken_at,
            portfolio_value=row.portfolio_value,
            holdings_value=row.holdings_value,
            unallocated_value=row.unallocated_value,
            total_drift=row.total_drift,
            worst_drift=row.worst_drift,
            needs_rebalancing=row.needs_rebalancing,
            threshold=row.threshold,
            relative_threshold=row.relative_threshold,
            classes=tuple(classes[row.id]),
            holdings=tuple(holdings[row.id]) if with_holdings and row.holdings_stored else None,
        )
        for row in rows
    ]


def latest_snapshot(
    *,
    session: Session,
    portfolio_id: str,
    until: datetime | None = None,
    with_holdings: bool = True,
) -> SnapshotRecord | None:
    """The portfolio's most recent snapshot (before ``until`` if given), or None."""
    query = select(Snapshot).where(*in_window(portfolio_id, None, until))
    row = session.scalars(
        query.order_by(Snapshot.taken_at.desc(), Snapshot.id.desc()).limit(1)
    ).first()
    return None if row is None else records(session, [row], with_holdings=with_holdings)[0]


def earliest_snapshot(
    *,
    session: Session,
    portfolio_id: str,
    since: datetime | None = None,
    with_holdings: bool = True,
) -> SnapshotRecord | None:
    """The portfolio's first snapshot (at or after ``since`` if given), or None."""
    query = select(Snapshot).where(*in_window(portfolio_id, since, None))
    row = session.scalars(query.order_by(Snapshot.taken_at, Snapshot.id).limit(1)).first()
    return None if row is None else records(session, [row], with_holdings=with_holdings)[0]


def list_snapshots(
    *,
    session: Session,
    portfolio_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 100,
    after: str | None = None,
) -> SnapshotPage:
    """Snapshots oldest first, ``limit`` at a time; ``after`` is a page's ``next_cursor``.

    Keyset pagination: a page follows the last one seen, whatever was pruned meanwhile.
    """
    query = select(Snapshot).where(*in_window(portfolio_id, since, until))
    if after is not None:
        taken_at, last_id = decode_cursor(after)
        query = query.where(
            (Snapshot.taken_at > taken_at)
            | ((Snapshot.taken_at == taken_at) & (Snapshot.id > last_id))
        )
    query = query.order_by(Snapshot.taken_at, Snapshot.id)
    if limit is not None:
        query = query.limit(limit + 1)  # one more, to know whether a next page exists
    rows = list(session.scalars(query))
    more = limit is not None and len(rows) > limit
    page = rows[:limit] if more else rows
    return SnapshotPage(
        items=tuple(records(session, page, with_holdings=False)),
        next_cursor=encode_cursor(page[-1].taken_at, page[-1].id) if more else None,
    )


def attribution_window(
    *,
    session: Session,
    portfolio_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[SnapshotRecord, SnapshotRecord]:
    """The first and the last snapshot in the window, with holdings, for an attribution."""
    first = earliest_snapshot(session=session, portfolio_id=portfolio_id, since=since)
    last = latest_snapshot(session=session, portfolio_id=portfolio_id, until=until)
    if first is None or last is None or first.taken_at >= last.taken_at:
        raise NotFoundError(
            f"portfolio {portfolio_id!r} has fewer than two snapshots in that period; "
            "an attribution compares a first and a last one"
        )
    return first, last
