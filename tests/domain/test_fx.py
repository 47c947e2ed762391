"""Exchange rates and holdings in several currencies, each example worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.domain.allocation import Holding, compute_allocation, make_holding
from monitor.domain.bands import DriftPolicy
from monitor.domain.exposure import parse_currency_targets
from monitor.domain.fx import (
    MissingRateError,
    Rate,
    RateTable,
    in_base,
    make_rate,
    stale_reason,
)
from monitor.domain.plans import PlanRequest, plan_rebalancing
from monitor.errors import InputError

EURUSD = Rate("EUR", "USD", Decimal("1.0842"), date(2026, 12, 2))
EURGBP = Rate("EUR", "GBP", Decimal("0.8521"), date(2026, 12, 2))
TARGETS = {"stocks": Decimal(60), "bonds": Decimal(40)}


def held(symbol: str, asset_class: str, value: str, currency: str | None) -> Holding:
    return make_holding(symbol, asset_class, value=value, currency=currency, where=symbol)


def test_eur_and_usd_holdings_are_reported_in_a_usd_base() -> None:
    # 4,000 EUR x 1.0842 = 4,336.80 USD; with 6,000 USD the portfolio is 10,336.80 USD.
    # Stocks: 6,000 / 10,336.80 = 58.04504...% (drift -1.955 pp, inside a 5 pp band);
    # bonds 41.95495...%. Exposure: USD 58.045%, EUR 41.955%.
    report = compute_allocation(
        [held("VTI", "stocks", "6000", "USD"), held("BUND", "bonds", "4000", "eur")],
        TARGETS,
        base_currency="USD",
        rates=RateTable([EURUSD]),
    )
    assert report.base_currency == "USD"
    assert report.portfolio_value == Decimal("10336.8")
    assert report.target_of("stocks").current_percent.quantize(Decimal("0.001")) == Decimal(
        "58.045"
    )
    assert not report.needs_rebalancing
    bund = next(h for h in report.holdings if h.symbol == "BUND")
    assert (bund.value, bund.native_value, bund.currency) == (
        Decimal("4336.8"),
        Decimal(4000),
        "EUR",
    )
    shares = {e.currency: (e.value, e.native_value) for e in report.currency_exposure}
    assert shares == {
        "USD": (Decimal(6000), Decimal(6000)),
        "EUR": (Decimal("4336.8"), Decimal(4000)),
    }
    assert report.fx_rates == (EURUSD,)


def test_gbp_converts_to_usd_through_eur_when_only_ecb_rates_are_known() -> None:
    # The ECB gives EURUSD 1.0842 and EURGBP 0.8521: 1,000 GBP = 1,000 / 0.8521 EUR
    # = 1,173.571... EUR = 1,000 x 1.0842 / 0.8521 USD = 1,272.38587... USD, one division.
    converted = in_base([held("VOD", "stocks", "1000", "GBP")], "USD", RateTable([EURUSD, EURGBP]))
    (vod,) = converted.holdings
    assert vod.value == Decimal(1000) * Decimal("1.0842") / Decimal("0.8521")
    assert str(vod.value).startswith("1272.3858702")
    assert converted.rates == (EURGBP, EURUSD)  # both stored with the snapshot


def test_a_pair_is_used_the_other_way_round() -> None:
    # USD into EUR with EURUSD 1.0842: 1,084.20 USD / 1.0842 = 1,000 EUR exactly.
    converted = in_base([held("VTI", "stocks", "1084.20", "USD")], "EUR", RateTable([EURUSD]))
    assert converted.holdings[0].value == Decimal(1000)


def test_a_missing_pair_is_an_error_naming_it() -> None:
    # JPY into USD, knowing EURUSD alone: no JPYUSD, no USDJPY, no JPY rate to cross through.
    with pytest.raises(MissingRateError) as raised:
        in_base([held("SONY", "stocks", "100000", "JPY")], "USD", RateTable([EURUSD]))
    assert raised.value.pair == "JPYUSD"
    assert "JPYUSD" in str(raised.value)


def test_holdings_in_two_currencies_without_a_base_are_refused_not_summed() -> None:
    with pytest.raises(InputError, match=r"EUR, USD.*no base currency is set"):
        compute_allocation(
            [held("VTI", "stocks", "6000", "USD"), held("BUND", "bonds", "4000", "EUR")],
            TARGETS,
        )


def test_holdings_named_and_unnamed_without_a_base_are_refused() -> None:
    with pytest.raises(InputError, match="holdings without a currency"):
        compute_allocation(
            [held("VTI", "stocks", "6000", "USD"), held("BND", "bonds", "4000", None)], TARGETS
        )


def test_without_a_base_and_without_currencies_nothing_changes() -> None:
    report = compute_allocation(
        [held("VTI", "stocks", "6000", None), held("BND", "bonds", "4000", None)], TARGETS
    )
    assert report.base_currency is None
    assert report.currency_exposure == ()
    assert report.fx_rates == ()


def test_currency_targets_breaching_alert_like_a_class() -> None:
    # 6,000 EUR x 1.0842 = 6,505.20 USD and 4,000 USD: 10,505.20 USD in all. USD is
    # 4,000 / 10,505.20 = 38.076...% against a 60% target: drift -21.92 pp, past the 5 pp
    # band (absolute); EUR 61.92...% against 40%: +21.92 pp.
    report = compute_allocation(
        [held("VTI", "stocks", "4000", "USD"), held("IWDA", "stocks", "6000", "EUR")],
        {"stocks": Decimal(100)},
        DriftPolicy(),
        base_currency="USD",
        rates=RateTable([EURUSD]),
        currency_targets=parse_currency_targets({"usd": 60, "EUR": 40}, "currency_targets"),
    )
    usd = next(e for e in report.currency_exposure if e.currency == "USD")
    assert usd.drift is not None and usd.drift.quantize(Decimal("0.01")) == Decimal("-21.92")
    assert usd.breach == "absolute"
    assert report.needs_rebalancing
    assert "CURRENCY USD: under-weighted by 21.92% (current: 38.08%, target: 60.00%)" in (
        report.alerts
    )


def test_a_currency_code_is_three_letters() -> None:
    with pytest.raises(InputError, match=r"VTI\.currency: expected a three-letter"):
        held("VTI", "stocks", "1", "dollars")


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(InputError, match="above 0"):
        make_rate("EUR/USD", "0", "fx")


def test_rates_older_than_max_age_are_stale() -> None:
    # EURUSD is of 2026-12-02: on 2026-12-06, 4 days old, past a 3-day max_age; on
    # 2026-12-05, 3 days old, still within it.
    rates = RateTable([EURUSD])
    assert stale_reason(rates, date(2026, 12, 5), timedelta(days=3)) is None
    assert stale_reason(rates, date(2026, 12, 6), timedelta(days=3)) == (
        "the exchange rates are stale: as of 2026-12-02, 4 days old, and fx.max_age is 3d"
    )


def test_a_converted_holding_s_price_is_in_the_base_so_trades_keep_whole_shares() -> None:
    # 10 IWDA at 100 EUR = 1,000 EUR = 1,084.20 USD: a price of 108.42 USD. With 10 VTI at
    # 100 USD (bonds), 2,084.20 USD in all: stocks 52.02% against 80%, to buy
    # 0.8 x 2,084.20 - 1,084.20 = 583.16 USD, which is 583.16 / 108.42 = 5.38 IWDA: 5 whole
    # shares at the price in the base.
    report = compute_allocation(
        [
            make_holding("IWDA", "stocks", quantity=10, price=100, currency="EUR", where="IWDA"),
            make_holding("VTI", "bonds", quantity=10, price=100, currency="USD", where="VTI"),
        ],
        {"stocks": Decimal(80), "bonds": Decimal(20)},
        base_currency="USD",
        rates=RateTable([EURUSD]),
    )
    iwda = next(h for h in report.holdings if h.symbol == "IWDA")
    assert (iwda.price, iwda.quantity, iwda.value) == (
        Decimal("108.42"),
        Decimal(10),
        Decimal("1084.20"),
    )
    plan = plan_rebalancing(report, PlanRequest())
    buys = [
        (t.symbol, t.shares, t.price) for a in plan.actions for t in a.trades if t.side == "BUY"
    ]
    assert buys == [("IWDA", Decimal(5), Decimal("108.42"))]


@settings(max_examples=100, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=10**12, places=2),
    rate=st.decimals(min_value="0.0001", max_value=10**4, places=4),
)
def test_converting_there_and_back_returns_the_amount_to_the_cent(
    amount: Decimal, rate: Decimal
) -> None:
    table = RateTable([Rate("EUR", "USD", rate)])
    there = table.conversion("EUR", "USD")(amount)
    back = table.conversion("USD", "EUR")(there)
    assert abs(back - amount) < Decimal("0.01")
