"""Reading snapshots back (writing them is ``monitor.store.snapshot_writes``, whose
``NewSnapshot`` and ``save_snapshots`` are importable from here too).

Time windows are half-open: ``since <= taken_at < until``; either bound may be omitted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Mapped, Session

from monitor.domain.fx import Rate
from monitor.errors import NotFoundError
from monitor.store.batches import batches
from monitor.store.cursor import decode_cursor, encode_cursor
from monitor.store.models import (
    Snapshot,
    SnapshotClass,
    SnapshotCurrency,
    SnapshotFxRate,
    SnapshotHolding,
)
from monitor.store.records import (
    ClassRecord,
    CurrencyRecord,
    HoldingRecord,
    SnapshotPage,
    SnapshotRecord,
)
from monitor.store.snapshot_rows import NewSnapshot
from monitor.store.snapshot_writes import save_snapshots

__all__ = [
    "NewSnapshot",
    "attribution_window",
    "earliest_snapshot",
    "latest_snapshot",
    "list_snapshots",
    "save_snapshots",
]


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
                HoldingRecord(
                    h.symbol,
                    h.asset_class,
                    h.value,
                    h.quantity,
                    h.price,
                    h.currency,
                    h.native_value,
                )
            )
    rates, currencies = currency_records(session, rows)
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
            base_currency=row.base_currency,
            fx_rates=tuple(rates.get(row.id, ())),
            currencies=tuple(currencies.get(row.id, ())),
            as_of=row.as_of,
        )
        for row in rows
    ]


def currency_records(
    session: Session, rows: Sequence[Snapshot]
) -> tuple[dict[int, list[Rate]], dict[int, list[CurrencyRecord]]]:
    """The rates and the currency exposure of the snapshots that have a base currency (a
    single-currency snapshot has neither: no query for them)."""
    ids = [row.id for row in rows if row.base_currency is not None]
    rates: dict[int, list[Rate]] = {}
    currencies: dict[int, list[CurrencyRecord]] = {}
    if not ids:
        return rates, currencies
    query = select(SnapshotFxRate).order_by(SnapshotFxRate.snapshot_id, SnapshotFxRate.pair)
    for r in in_chunks(session, query, SnapshotFxRate.snapshot_id, ids):
        rates.setdefault(r.snapshot_id, []).append(Rate(r.pair[:3], r.pair[3:], r.rate, r.as_of))
    exposure = select(SnapshotCurrency).order_by(
        SnapshotCurrency.snapshot_id, SnapshotCurrency.position
    )
    for c in in_chunks(session, exposure, SnapshotCurrency.snapshot_id, ids):
        currencies.setdefault(c.snapshot_id, []).append(
            CurrencyRecord(
                c.currency,
                c.value,
                c.native_value,
                c.percent,
                c.target_percent,
                c.drift,
                c.breach,
            )
        )
    return rates, currencies


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
