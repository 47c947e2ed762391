"""The overview: one row per portfolio or account, searched, filtered, sorted and paged.

The JSON route and the dashboard's first page both answer with ``overview``, so the page
never shows other numbers than the API. All rows are read (one query, see
``store/latest.py``) and sorted here, since exact decimals cannot be sorted in SQL on
SQLite; only the page's rows then look up their last alert.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.api.schemas.overview import (
    ROW_STATES,
    EntryOut,
    LastAlertOut,
    OverviewResponse,
    OverviewRowOut,
    RowState,
    SortKey,
    SortOrder,
)
from monitor.settings import Settings
from monitor.store.latest import (
    EntryHealth,
    LastAlert,
    LatestRow,
    breach_counts,
    entry_health,
    last_alerts,
    latest_rows,
    taken_times,
)

PER_PAGE = 100
MAX_PER_PAGE = 1000


@dataclass(frozen=True, slots=True)
class OverviewQuery:
    sort: SortKey = "worst_drift"
    order: SortOrder = "desc"
    search: str = ""
    out_of_band_only: bool = False
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True, slots=True)
class Row:
    latest: LatestRow
    entry_id: str
    state: RowState
    health: EntryHealth | None


def state_of(row: LatestRow, health: EntryHealth | None) -> RowState:
    """Stale once the stale notice went out, failing from the first failed read on; else
    what the latest snapshot says."""
    if health is not None and health.source_state == "failing":
        return "stale"
    if health is not None and health.consecutive_failures > 0:
        return "source_failing"
    if row.snapshot_id is None:
        return "no_data"
    return "drifted" if row.drift_state == "drifted" or row.needs_rebalancing else "in_band"


def rows_of(
    latest: Sequence[LatestRow], configured: Sequence[str], health_of: Mapping[str, EntryHealth]
) -> list[Row]:
    """The stored rows, and a row for each configured entry not stored yet."""
    stored = {row.portfolio_id for row in latest} | {row.parent_id for row in latest}
    missing = [
        LatestRow(entry, entry, None, None, None, None, None, None)
        for entry in configured
        if entry not in stored
    ]
    rows = []
    for row in [*latest, *missing]:
        entry = row.parent_id or row.portfolio_id
        health = health_of.get(entry)
        rows.append(Row(row, entry, state_of(row, health), health))
    return rows


SORT_KEYS: Mapping[str, Callable[[Row], Any]] = {
    "portfolio": lambda r: r.latest.portfolio_id,
    "value": lambda r: r.latest.portfolio_value,
    "worst_drift": lambda r: r.latest.worst_drift,
    "state": lambda r: ROW_STATES.index(r.state),
    "tick_at": lambda r: None if r.health is None else r.health.tick_at,
}


def sort_key(sort: SortKey, breaches: Mapping[int, int]) -> Callable[[Row], Any]:
    """What rows sort by; classes out of band are counted in ``breaches`` (snapshot id ->
    count, a snapshot without any missing)."""
    if sort == "out_of_band":
        return lambda r: (
            None if r.latest.snapshot_id is None else breaches.get(r.latest.snapshot_id, 0)
        )
    return SORT_KEYS[sort]


def sorted_rows(rows: list[Row], key: Callable[[Row], Any], order: SortOrder) -> list[Row]:
    """Sorted by ``key`` (rows without a value last, whatever the order), then by id
    (``rows`` come in id order, and sorting is stable)."""
    keyed = [(key(r), r) for r in rows]
    present = [pair for pair in keyed if pair[0] is not None]
    # Stable, reversed too: equal keys keep their id order.
    present.sort(key=lambda pair: pair[0], reverse=order == "desc")
    return [r for _, r in present] + [r for k, r in keyed if k is None]


def matches(row: Row, search: str, out_of_band_only: bool) -> bool:
    if out_of_band_only and row.state != "drifted":
        return False
    needle = search.strip().lower()
    return (
        not needle
        or needle in row.latest.portfolio_id.lower()
        or needle in (row.latest.name.lower())
    )


def entries_of(rows: Sequence[Row]) -> list[EntryOut]:
    counted = Counter((row.entry_id, row.state) for row in rows)
    states: dict[str, dict[str, int]] = {}
    for (entry, state), count in sorted(counted.items()):
        states.setdefault(entry, {})[state] = count
    return [
        EntryOut(entry_id=entry, accounts=sum(found.values()), states=found)
        for entry, found in states.items()
    ]


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What is looked up for the page's rows alone: snapshot id -> classes out of band,
    and -> when it was taken; portfolio id -> its last alert."""

    breaches: Mapping[int, int]
    taken: Mapping[int, datetime]
    alerts: Mapping[str, LastAlert]

    def alert_of(self, row: Row) -> LastAlertOut | None:
        # An account's alerts go out in its entry's digest: without one of its own, that
        # is its last alert.
        found = self.alerts.get(row.latest.portfolio_id) or self.alerts.get(row.entry_id)
        return None if found is None else LastAlertOut.model_validate(found, from_attributes=True)


def row_out(row: Row, facts: PageFacts, settings: Settings) -> OverviewRowOut:
    health = row.health
    snapshot = row.latest.snapshot_id
    # A snapshot from before currencies is in the configured base currency.
    currency = row.latest.base_currency or settings.base_currency_of(row.latest.portfolio_id)
    return OverviewRowOut(
        portfolio_id=row.latest.portfolio_id,
        name=row.latest.name,
        entry_id=row.entry_id,
        value=row.latest.portfolio_value,
        currency=None if snapshot is None else currency,
        worst_drift=row.latest.worst_drift,
        classes_out_of_band=0 if snapshot is None else facts.breaches.get(snapshot, 0),
        state=row.state,
        taken_at=None if snapshot is None else facts.taken[snapshot],
        tick_at=None if health is None else health.tick_at,
        tick_status=None if health is None else health.tick_status,
        last_alert=facts.alert_of(row),
    )


def overview(*, session: Session, settings: Settings, query: OverviewQuery) -> OverviewResponse:
    latest = latest_rows(session=session)
    entries = sorted({r.parent_id or r.portfolio_id for r in latest} | set(settings.portfolio_ids))
    rows = rows_of(latest, settings.portfolio_ids, entry_health(session=session, entry_ids=entries))
    kept = [r for r in rows if matches(r, query.search, query.out_of_band_only)]
    # Classes out of band are counted for the page alone, unless the rows sort by them.
    by_breaches = query.sort == "out_of_band"
    breaches = breaches_of(session, kept) if by_breaches else {}
    ordered = sorted_rows(kept, sort_key(query.sort, breaches), query.order)
    pages = max(1, math.ceil(len(ordered) / query.per_page))
    page = min(query.page, pages)
    shown = ordered[(page - 1) * query.per_page : page * query.per_page]
    snapshots = [r.latest.snapshot_id for r in shown if r.latest.snapshot_id is not None]
    portfolios = {r.latest.portfolio_id for r in shown} | {r.entry_id for r in shown}
    facts = PageFacts(
        breaches=breaches if by_breaches else breaches_of(session, shown),
        taken=taken_times(session=session, snapshot_ids=snapshots),
        alerts=last_alerts(session=session, portfolio_ids=sorted(portfolios)),
    )
    return OverviewResponse(
        total=len(rows),
        matched=len(ordered),
        page=page,
        per_page=query.per_page,
        pages=pages,
        sort=query.sort,
        order=query.order,
        rows=[row_out(r, facts, settings) for r in shown],
        entries=entries_of(rows),
    )


def breaches_of(session: Session, rows: Sequence[Row]) -> dict[int, int]:
    ids = [r.latest.snapshot_id for r in rows if r.latest.snapshot_id is not None]
    return breach_counts(session=session, snapshot_ids=ids)
