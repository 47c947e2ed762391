"""The rows a tick's snapshots become: one per snapshot, and its class, holding, rate and
currency rows, each value as its column type stores it (``monitor.store.bulk``).

The holding and class rows, most of a tick's, are built a column at a time: one
comprehension per column, and the decimals of a column turned into stored text at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from monitor.domain.allocation import AllocationReport, Holding
from monitor.store.bulk import BATCH_ROWS, StoredValues, as_stored
from monitor.store.class_drifts import class_drifts_text, drift_text
from monitor.store.models import Snapshot, SnapshotFxRate

BATCH_SNAPSHOTS = 2_000  # written together with their class rows: about 12,000


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


def snapshot_rows(
    ids: Sequence[int],
    snapshots: Sequence[NewSnapshot],
    drifts: Sequence[str],
    stored: StoredValues,
    session: Session,
) -> Iterator[tuple[Any, ...]]:
    """The snapshot rows, ``drifts`` their class drifts (``class_drifts``)."""
    money = stored.decimal
    moment = as_stored(Snapshot.__table__.c.taken_at, session.get_bind().dialect)
    times: dict[datetime, Any] = {}  # a tick's snapshots usually share one time
    for id_, new, drifts_text in zip(ids, snapshots, drifts, strict=True):
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
            drifts_text,
            None if new.as_of is None else moment(new.as_of),
        )


def class_drifts(
    snapshots: Sequence[NewSnapshot], classes: dict[str, list[Any]], stored: StoredValues
) -> list[str]:
    """Each snapshot's class drifts (``snapshots.class_drifts``) from its class rows
    (``class_batch``): on SQLite, their drifts as the rows store them, turned into text once."""
    names = classes["asset_class"]
    drifts = classes["drift"] if stored.sqlite else list(map(drift_text, classes["drift"]))
    texts = []
    start = 0
    for new in snapshots:
        end = start + len(new.report.classes)
        texts.append(class_drifts_text(names[start:end], drifts[start:end]))
        start = end
    return texts


def class_batch(
    ids: Sequence[int], snapshots: Sequence[NewSnapshot], stored: StoredValues
) -> dict[str, list[Any]]:
    """The class rows of ``snapshots`` (six or so each) column by column, each column named
    as in ``snapshot_classes``."""
    classes = [c for new in snapshots for c in new.report.classes]
    money = stored.decimals
    return {
        "snapshot_id": [
            id_ for id_, new in zip(ids, snapshots, strict=True) for _ in new.report.classes
        ],
        "asset_class": [c.asset_class for c in classes],
        "position": [p for new in snapshots for p in range(len(new.report.classes))],
        "current_value": money([c.current_value for c in classes]),
        "current_percent": money([c.current_percent for c in classes]),
        "target_percent": money([c.target_percent for c in classes]),
        "target_value": money([c.target_value for c in classes]),
        "difference": money([c.difference for c in classes]),
        "drift": money([c.drift for c in classes]),
        "breach": [c.breach for c in classes],
    }


def holding_columns(
    ids: Sequence[int], snapshots: Sequence[NewSnapshot], stored: StoredValues
) -> Iterator[dict[str, list[Any]]]:
    """The holding rows (half a million a tick) column by column, each column named as in
    ``snapshot_holdings``, in batches of about ``BATCH_ROWS`` rows."""
    owners: list[int] = []
    held: list[Holding] = []
    for id_, new in zip(ids, snapshots, strict=True):
        if new.store_holdings:
            holdings = merged(new.report.holdings)
            owners += repeat(id_, len(holdings))
            held += holdings
            if len(held) >= BATCH_ROWS:
                yield holding_batch(owners, held, stored)
                owners, held = [], []
    if held:
        yield holding_batch(owners, held, stored)


def holding_batch(
    owners: list[int], held: list[Holding], stored: StoredValues
) -> dict[str, list[Any]]:
    money = stored.decimals
    return {
        "snapshot_id": owners,
        "asset_class": [h.asset_class for h in held],
        "symbol": [h.symbol for h in held],
        "value": money([h.value for h in held]),
        "quantity": money([h.quantity for h in held]),
        "price": money([h.price for h in held]),
        "currency": [h.currency for h in held],
        "native_value": money([h.native_value for h in held]),
    }


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
