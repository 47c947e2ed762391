"""Saving snapshots in bulk and reading them back: exact values, filters, pages, drift."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from monitor.domain.allocation import Holding, compute_allocation
from monitor.errors import InputError, NotFoundError
from monitor.store.drift import drift_history
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.records import HoldingRecord
from monitor.store.snapshots import (
    NewSnapshot,
    attribution_window,
    latest_snapshot,
    list_snapshots,
    save_snapshots,
)
from tests.fixtures.snapshots import (
    FEBRUARY,
    JANUARY,
    MARCH,
    StoredHistory,
    report_of,
)


def test_a_saved_snapshot_reads_back_with_every_value_exact(
    session: Session, stored_history: StoredHistory
) -> None:
    march = latest_snapshot(session=session, portfolio_id="family")
    assert march is not None
    expected = report_of(
        [
            ("VTI", "stocks", "120", "250"),
            ("BND", "bonds", "200", "70"),
            ("GLD", "commodities", "10", "180"),
        ]
    )
    assert (march.id, march.taken_at, march.tick_id) == (stored_history.family_ids[2], MARCH, None)
    assert (march.portfolio_value, march.holdings_value, march.unallocated_value) == (
        Decimal("45800"),
        Decimal("45800"),
        Decimal(0),
    )
    assert march.needs_rebalancing is True
    assert (march.threshold, march.relative_threshold) == (Decimal(5), None)
    stocks = march.classes[0]
    assert stocks.asset_class == "stocks"
    # 30000 / 45800 * 100 = 65.502183406113537117903930131, kept to 10 places.
    assert stocks.current_percent == Decimal("65.5021834061")
    assert stocks.drift == Decimal("5.5021834061")
    assert stocks.target_value == Decimal("27480")
    assert stocks.difference == Decimal("2520")
    assert stocks.breach == "absolute"
    assert march.total_drift == expected.total_drift.quantize(Decimal("1e-10"))
    assert march.worst_drift == Decimal("9.4323144105")


def test_classes_keep_the_reports_order(session: Session, stored_history: StoredHistory) -> None:
    march = latest_snapshot(session=session, portfolio_id="family")
    assert march is not None
    assert [c.asset_class for c in march.classes] == ["stocks", "bonds", "commodities"]


def test_holdings_are_stored_with_quantity_and_price(
    session: Session, stored_history: StoredHistory
) -> None:
    march = latest_snapshot(session=session, portfolio_id="family")
    assert march is not None and march.holdings is not None
    assert HoldingRecord("VTI", "stocks", Decimal(30000), Decimal(120), Decimal(250)) in (
        march.holdings
    )
    assert len(march.holdings) == 3


def test_holdings_are_not_stored_when_the_portfolio_says_not_to(
    session: Session, stored_history: StoredHistory
) -> None:
    account = latest_snapshot(session=session, portfolio_id="clients/acct-17")
    assert account is not None
    assert account.holdings is None
    assert account.portfolio_value == Decimal(6000)


def test_the_same_symbol_in_two_accounts_is_stored_as_one_holding(session: Session) -> None:
    ensure_portfolios(session=session, portfolios=[NewPortfolio("clients", "C")], now=JANUARY)
    holdings = [
        Holding("VTI", "stocks", Decimal(2000), Decimal(10), Decimal(200), account="a"),
        Holding("VTI", "stocks", Decimal(4200), Decimal(20), Decimal(210), account="b"),
    ]
    report = compute_allocation(holdings, {"stocks": Decimal(100)})
    save_snapshots(session=session, snapshots=[NewSnapshot("clients", None, JANUARY, report)])
    saved = latest_snapshot(session=session, portfolio_id="clients")
    assert saved is not None and saved.holdings is not None
    [vti] = saved.holdings
    assert (vti.value, vti.quantity, vti.price) == (
        Decimal(6200),
        Decimal(30),
        Decimal("206.6666666667"),
    )


def test_save_returns_the_new_ids_in_the_order_given(session: Session) -> None:
    names = [f"p{i}" for i in range(5)]
    ensure_portfolios(session=session, portfolios=[NewPortfolio(n, n) for n in names], now=JANUARY)
    ids = save_snapshots(
        session=session,
        snapshots=[
            NewSnapshot(name, None, JANUARY, report_of([("X", "stocks", str(i + 1), "1")]))
            for i, name in enumerate(names)
        ],
    )
    for name, id_ in zip(names, ids, strict=True):
        saved = latest_snapshot(session=session, portfolio_id=name)
        assert saved is not None and saved.id == id_


def test_saving_many_snapshots_takes_one_insert_per_table(engine: Engine, session: Session) -> None:
    names = [f"p{i}" for i in range(50)]
    ensure_portfolios(session=session, portfolios=[NewPortfolio(n, n) for n in names], now=JANUARY)
    inserts: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement.split("(")[0])

    event.listen(engine, "before_cursor_execute", count)
    try:
        save_snapshots(
            session=session,
            snapshots=[
                NewSnapshot(n, None, JANUARY, report_of([("X", "stocks", "1", "1")])) for n in names
            ],
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [s.split()[-1] for s in inserts] == [
        "snapshots",
        "snapshot_classes",
        "snapshot_holdings",
    ]


def test_latest_snapshot_is_none_for_a_portfolio_without_any(session: Session) -> None:
    assert latest_snapshot(session=session, portfolio_id="family") is None


def test_listing_is_oldest_first_within_since_and_until(
    session: Session, stored_history: StoredHistory
) -> None:
    page = list_snapshots(
        session=session,
        portfolio_id="family",
        since=datetime(2024, 1, 15, tzinfo=UTC),
        until=datetime(2024, 3, 31, tzinfo=UTC),
    )
    assert [s.taken_at for s in page.items] == [FEBRUARY, MARCH]
    assert page.next_cursor is None


def test_until_is_exclusive(session: Session, stored_history: StoredHistory) -> None:
    page = list_snapshots(session=session, portfolio_id="family", until=FEBRUARY)
    assert [s.taken_at for s in page.items] == [JANUARY]


def test_pages_follow_each_other_through_the_cursor(
    session: Session, stored_history: StoredHistory
) -> None:
    first = list_snapshots(session=session, portfolio_id="family", limit=2)
    assert [s.taken_at for s in first.items] == [JANUARY, FEBRUARY]
    assert first.next_cursor is not None
    second = list_snapshots(
        session=session, portfolio_id="family", limit=2, after=first.next_cursor
    )
    assert [s.taken_at for s in second.items] == [MARCH]
    assert second.next_cursor is None


def test_a_page_of_exactly_the_remaining_rows_has_no_next_cursor(
    session: Session, stored_history: StoredHistory
) -> None:
    page = list_snapshots(session=session, portfolio_id="family", limit=3)
    assert len(page.items) == 3
    assert page.next_cursor is None


def test_a_forged_cursor_is_an_input_error(session: Session) -> None:
    with pytest.raises(InputError, match="cursor"):
        list_snapshots(session=session, portfolio_id="family", after="not-a-cursor")


def test_listed_snapshots_carry_their_classes_but_not_their_holdings(
    session: Session, stored_history: StoredHistory
) -> None:
    [january, *_] = list_snapshots(session=session, portfolio_id="family").items
    assert january.drift_of("stocks") == Decimal("-2.8571428571")
    assert january.holdings is None


def test_drift_history_has_every_class_per_snapshot(
    session: Session, stored_history: StoredHistory
) -> None:
    points = drift_history(session=session, portfolio_id="family")
    assert [p.taken_at for p in points] == [JANUARY, FEBRUARY, MARCH]
    assert dict(points[1].drifts) == {
        "stocks": Decimal("0.8465608466"),
        "bonds": Decimal("-0.8465608466"),
    }
    assert list(points[2].drifts) == ["stocks", "bonds", "commodities"]
    assert [p.needs_rebalancing for p in points] == [False, False, True]


def test_drift_history_of_one_class_keeps_every_snapshot(
    session: Session, stored_history: StoredHistory
) -> None:
    points = drift_history(session=session, portfolio_id="family", asset_class="commodities")
    assert [dict(p.drifts) for p in points] == [{}, {}, {"commodities": Decimal("3.9301310044")}]


def test_drift_history_honours_the_window(session: Session, stored_history: StoredHistory) -> None:
    points = drift_history(session=session, portfolio_id="family", since=FEBRUARY, until=MARCH)
    assert [p.taken_at for p in points] == [FEBRUARY]


def test_the_attribution_window_is_the_first_and_last_snapshot_in_it(
    session: Session, stored_history: StoredHistory
) -> None:
    first, last = attribution_window(session=session, portfolio_id="family", since=FEBRUARY)
    assert (first.taken_at, last.taken_at) == (FEBRUARY, MARCH)
    assert first.holdings is not None and last.holdings is not None


def test_an_attribution_needs_two_snapshots(
    session: Session, stored_history: StoredHistory
) -> None:
    with pytest.raises(NotFoundError, match="fewer than two snapshots"):
        attribution_window(session=session, portfolio_id="family", since=MARCH)
