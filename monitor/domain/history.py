"""History as people ask for it and read it, shared by the CLI and the API. Pure: it reads
stored snapshots by the shape it declares (``RecordedSnapshot``), which the store's records
have, and imports nothing of the store.

A bound given as a date means that day's midnight in the caller's time zone; ``until`` is
exclusive, so ``--until 2024-01-31`` includes all of the 31st. Bounds come back in UTC; one
beyond the years a ``datetime`` holds (the end of 9999-12-31) is the last moment there is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Protocol

from monitor.domain.allocation import normalise_class, round2
from monitor.errors import InputError

BOUND_EXAMPLES = "write e.g. 2024-01-31 or 2024-01-31T17:00:00+01:00"


def parse_bound(raw: str, *, field: str, zone: tzinfo, end: bool = False) -> datetime:
    """A date or an ISO 8601 time; without an offset, it is read in ``zone``.

    A date is that day's start, or with ``end`` the next day's start (an exclusive bound).
    """
    text = raw.strip().upper()  # RFC 3339 allows 2024-01-31t17:00:00z
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        if end and day == date.max:  # no next day to start
            return datetime.max.replace(tzinfo=UTC)
        return in_utc(datetime.combine(day + timedelta(days=1 if end else 0), time(), zone))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(field, f"{raw!r} is not a date or a time; {BOUND_EXAMPLES}") from None
    return in_utc(moment if moment.tzinfo is not None else moment.replace(tzinfo=zone))


def in_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a moment in year 1 or 9999 that UTC would put past the years a
    ``datetime`` holds is the first or the last moment there is."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.max if moment.year == MAXYEAR else datetime.min
        return edge.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime | None
    until: datetime | None


def parse_window(
    since: str | None, until: str | None, *, zone: tzinfo, names: tuple[str, str]
) -> Window:
    """``names`` are how the caller calls the two bounds (``--since`` or ``since``)."""
    start = None if since is None else parse_bound(since, field=names[0], zone=zone)
    end = None if until is None else parse_bound(until, field=names[1], zone=zone, end=True)
    if start is not None and end is not None and end <= start:
        raise InputError(names[1], f"must be later than {names[0]} ({until} <= {since})")
    return Window(start, end)


class RecordedClass(Protocol):
    @property
    def asset_class(self) -> str: ...


class RecordedCurrency(Protocol):
    @property
    def currency(self) -> str: ...
    @property
    def percent(self) -> Decimal: ...


class RecordedSnapshot(Protocol):
    """What history reads of a stored snapshot; the store's ``SnapshotRecord`` is one."""

    @property
    def taken_at(self) -> datetime: ...
    @property
    def portfolio_value(self) -> Decimal: ...
    @property
    def total_drift(self) -> Decimal: ...
    @property
    def needs_rebalancing(self) -> bool: ...
    @property
    def classes(self) -> Sequence[RecordedClass]: ...
    @property
    def base_currency(self) -> str | None: ...
    @property
    def currencies(self) -> Sequence[RecordedCurrency]: ...
    def drift_of(self, asset_class: str) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class HistoryRow:
    taken_at: datetime
    portfolio_value: Decimal
    total_drift: Decimal
    needs_rebalancing: bool
    drifts: dict[str, Decimal | None]
    currency: str | None = None  # the currency its value is in; None: single-currency mode
    shares: dict[str, Decimal] = field(default_factory=dict)  # percent held per currency


def currency_columns(rows: Sequence[HistoryRow]) -> list[str]:
    """The currencies any row holds, in the order first seen: columns of share."""
    found: dict[str, None] = {}
    for row in rows:
        found.update(dict.fromkeys(row.shares))
    return list(found)


def history_rows(
    snapshots: Sequence[RecordedSnapshot],
    *,
    zone: tzinfo,
    asset_class: str | None,
    field: str,
    base_currency: str | None = None,
) -> tuple[list[str], list[HistoryRow]]:
    """(class columns, one row per snapshot), times in ``zone``; ``asset_class`` keeps only
    that class, which must appear in the history (``field`` names the option for errors).
    A snapshot that names no currency is in ``base_currency`` (the configured one)."""
    columns: list[str] = []
    for snapshot in snapshots:
        columns.extend(c.asset_class for c in snapshot.classes if c.asset_class not in columns)
    if asset_class is not None:
        wanted = normalise_class(asset_class, field)
        if snapshots and wanted not in columns:
            raise InputError(
                field, f"no asset class {wanted!r} in this history; it has {', '.join(columns)}"
            )
        columns = [wanted]
    rows = [
        HistoryRow(
            taken_at=s.taken_at.astimezone(zone),
            portfolio_value=s.portfolio_value,
            total_drift=s.total_drift,
            needs_rebalancing=s.needs_rebalancing,
            drifts={name: s.drift_of(name) for name in columns},
            currency=s.base_currency or base_currency,
            shares={c.currency: c.percent for c in s.currencies},
        )
        for s in snapshots
    ]
    return columns, rows


def rounded(value: Decimal | None) -> str:
    return "" if value is None else f"{round2(value):.2f}"


def history_csv(columns: Sequence[str], rows: Sequence[HistoryRow]) -> str:
    """Money and percentage points to two places; a class absent at a time is left empty.
    A history in a base currency adds its currency and the share held in each currency."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    currencies = currency_columns(rows)
    named = any(row.currency is not None for row in rows)
    writer.writerow(
        ["taken_at", "portfolio_value", "total_drift", "needs_rebalancing"]
        + [f"drift_{name}" for name in columns]
        + (["currency"] if named else [])
        + [f"share_{code}" for code in currencies]
    )
    for row in rows:
        writer.writerow(
            [
                row.taken_at.isoformat(),
                rounded(row.portfolio_value),
                rounded(row.total_drift),
                "true" if row.needs_rebalancing else "false",
                *(rounded(row.drifts[name]) for name in columns),
                *([row.currency or ""] if named else []),
                *(rounded(row.shares.get(code)) for code in currencies),
            ]
        )
    return buffer.getvalue()
