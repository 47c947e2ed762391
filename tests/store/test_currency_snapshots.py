"""A snapshot in a base currency keeps its rates, its currency exposure and each holding's
native currency and value; a single-currency snapshot keeps none of them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from monitor.domain.allocation import compute_allocation, make_holding
from monitor.domain.fx import Rate, RateTable
from monitor.store.portfolios import NewPortfolio, ensure_portfolios
from monitor.store.records import CurrencyRecord, HoldingRecord
from monitor.store.snapshots import NewSnapshot, latest_snapshot, list_snapshots, save_snapshots

AT = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
EURUSD = Rate("EUR", "USD", Decimal("1.0842"), date(2026, 12, 2))


def save(session: Session, base: str | None) -> None:
    ensure_portfolios(session=session, portfolios=[NewPortfolio("family", "F")], now=AT)
    holdings = [
        make_holding("VTI", "stocks", value=6000, currency=base, where="VTI"),
        make_holding("BUND", "bonds", value=4000, currency=base and "EUR", where="BUND"),
    ]
    report = compute_allocation(
        holdings,
        {"stocks": Decimal(60), "bonds": Decimal(40)},
        base_currency=base,
        rates=RateTable([EURUSD]),
    )
    save_snapshots(session=session, snapshots=[NewSnapshot("family", None, AT, report)])
    session.commit()


def test_a_snapshot_in_usd_reads_back_its_rates_exposure_and_native_values(
    session: Session,
) -> None:
    save(session, "USD")
    snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert snapshot.base_currency == "USD"
    assert snapshot.fx_rates == (EURUSD,)
    # 4,000 EUR x 1.0842 = 4,336.80 USD of 10,336.80: 41.9549570467% (to 10 places).
    assert snapshot.currencies == (
        CurrencyRecord(
            "USD", Decimal(6000), Decimal(6000), Decimal("58.0450429533"), None, None, None
        ),
        CurrencyRecord(
            "EUR", Decimal("4336.8"), Decimal(4000), Decimal("41.9549570467"), None, None, None
        ),
    )
    assert snapshot.holdings is not None
    assert (
        HoldingRecord("BUND", "bonds", Decimal("4336.8"), None, None, "EUR", Decimal(4000))
        in snapshot.holdings
    )
    listed = list_snapshots(session=session, portfolio_id="family").items
    assert listed[0].currencies == snapshot.currencies


def test_a_single_currency_snapshot_has_no_base_rates_or_exposure(session: Session) -> None:
    save(session, None)
    snapshot = latest_snapshot(session=session, portfolio_id="family")
    assert snapshot is not None
    assert (snapshot.base_currency, snapshot.fx_rates, snapshot.currencies) == (None, (), ())
