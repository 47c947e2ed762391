"""Notification payloads: what a notice and a digest carry."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from monitor.domain.alerting import AlertState, Notice
from monitor.domain.allocation import AllocationReport, Holding, compute_allocation
from monitor.domain.plans import PlanRequest, plan_rebalancing
from monitor.notify.payloads import (
    AccountOutcome,
    PlanUnavailable,
    PortfolioRef,
    digest_payload,
    notice_payload,
)
from tests.notify import samples

AT = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
ENTRY = PortfolioRef("clients", "Client accounts", "America/New_York")
TARGETS = {"stocks": Decimal(60), "bonds": Decimal(40)}


def report(stocks: int) -> AllocationReport:
    return compute_allocation(
        [Holding("VTI", "stocks", Decimal(stocks)), Holding("BND", "bonds", Decimal(100 - stocks))],
        TARGETS,
    )


def test_a_drift_notice_carries_alert_lines_actions_and_value() -> None:
    payload = notice_payload(
        PortfolioRef("family", "Family", "UTC"),
        Notice("drifted"),
        taken_at=AT,
        report=report(70),
        state=AlertState(),
    )
    assert payload["kind"] == "drifted"
    assert payload["alerts"] == [
        "STOCKS: over-allocated by 10.00% (current: 70.00%, target: 60.00%)",
        "BONDS: under-allocated by 10.00% (current: 30.00%, target: 40.00%)",
    ]
    assert payload["actions"] == [
        {"action": "SELL", "asset_class": "stocks", "amount": "10.00"},
        {"action": "BUY", "asset_class": "bonds", "amount": "10.00"},
    ]
    assert payload["portfolio_value"] == "100.00"
    assert payload["taken_at"] == "2026-11-24T23:00:00+00:00"


def test_a_stale_notice_carries_the_error_and_failure_count() -> None:
    state = AlertState(consecutive_failures=3, last_error="csv h.csv: file not found")
    payload = notice_payload(
        ENTRY, Notice("stale", failures=3), taken_at=AT, report=None, state=state
    )
    assert (payload["error"], payload["failures"]) == ("csv h.csv: file not found", 3)
    assert "alerts" not in payload


def test_a_digest_lists_accounts_by_worst_drift_with_counts() -> None:
    outcomes = [
        AccountOutcome("clients/a", report(70), (Notice("drifted"),)),
        AccountOutcome("clients/b", report(80), ()),
        AccountOutcome("clients/c", report(60), (Notice("resolved"),)),
        AccountOutcome("clients/d", report(61), ()),
    ]
    payload = digest_payload(ENTRY, outcomes, taken_at=AT)
    assert payload is not None
    assert [(a["portfolio_id"], a["status"]) for a in payload["accounts"]] == [
        ("clients/b", "still"),
        ("clients/a", "new"),
        ("clients/c", "resolved"),
    ]
    assert payload["counts"] == {
        "total": 4,
        "out_of_band": 2,
        "new": 1,
        "escalated": 0,
        "reminder": 0,
        "resolved": 1,
    }


def test_no_digest_when_only_silent_members_are_out_of_band() -> None:
    outcomes = [
        AccountOutcome("clients/b", report(80), ()),
        AccountOutcome("clients/d", report(60), ()),
    ]
    assert digest_payload(ENTRY, outcomes, taken_at=AT) is None


def test_a_digest_account_names_its_breaching_classes_and_alert_lines() -> None:
    outcomes = [AccountOutcome("clients/a", report(70), (Notice("drifted"),))]
    payload = digest_payload(ENTRY, outcomes, taken_at=AT)
    assert payload is not None
    [account] = payload["accounts"]
    assert account == {
        "portfolio_id": "clients/a",
        "status": "new",
        "worst_drift": "10.00",
        "breaching": ["stocks", "bonds"],
        "alerts": [
            "STOCKS: over-allocated by 10.00% (current: 70.00%, target: 60.00%)",
            "BONDS: under-allocated by 10.00% (current: 30.00%, target: 40.00%)",
        ],
    }


def test_a_notice_without_a_plan_carries_no_plan_field() -> None:
    payload = notice_payload(
        ENTRY, Notice("drifted"), taken_at=AT, report=report(70), state=AlertState()
    )
    assert "plan" not in payload


def test_a_plan_in_whole_shares_names_symbols_shares_prices_and_the_cash_left() -> None:
    plan = samples.planned(plan_rebalancing(samples.shares_report()))["plan"]
    assert (plan["mode"], plan["sold"], plan["bought"], plan["leftover"]) == (
        "buy_and_sell",
        "1000.00",
        "960.00",
        "40.00",
    )
    assert plan["actions"] == [
        {
            "action": "SELL",
            "asset_class": "stocks",
            "amount": "1000.00",
            "current_percent": "70.00",
            "resulting_percent": "60.00",
            "trades": [
                {
                    "side": "SELL",
                    "symbol": "VTI",
                    "shares": "4",
                    "price": "250",
                    "amount": "1000.00",
                }
            ],
        },
        {
            "action": "BUY",
            "asset_class": "bonds",
            "amount": "960.00",
            "current_percent": "30.00",
            "resulting_percent": "39.60",
            "trades": [
                {"side": "BUY", "symbol": "BND", "shares": "12", "price": "80", "amount": "960.00"}
            ],
        },
    ]
    assert (plan["below_minimum"], plan["unresolved"], plan["error"]) == ([], [], None)


def test_a_buy_only_plan_invests_the_new_cash_and_sells_nothing() -> None:
    held = samples.shares_report()
    plan = samples.planned(plan_rebalancing(held, PlanRequest("buy_only", Decimal(5000))))["plan"]
    assert (plan["mode"], plan["cash"], plan["sold"], plan["bought"], plan["leftover"]) == (
        "buy_only",
        "5000.00",
        "0.00",
        "4960.00",
        "40.00",
    )
    trades = [t for a in plan["actions"] for t in a["trades"]]
    assert [(t["side"], t["shares"], t["symbol"]) for t in trades] == [
        ("BUY", "8", "VTI"),
        ("BUY", "37", "BND"),
    ]


def test_a_class_whose_trade_is_below_the_minimum_is_listed_and_left_out() -> None:
    held = samples.min_trade_report()
    plan = samples.planned(plan_rebalancing(held), held)["plan"]
    assert [(a["action"], a["asset_class"], a["amount"]) for a in plan["actions"]] == [
        ("SELL", "stocks", "600.00"),
        ("BUY", "bonds", "600.00"),
    ]
    assert plan["actions"][0]["trades"] == [
        {"side": "SELL", "symbol": "VTI", "shares": None, "price": None, "amount": "600.00"}
    ]
    assert plan["below_minimum"] == [
        {"side": "SELL", "asset_class": "cash", "symbol": "USD", "amount": "50.00"}
    ]
    assert plan["min_trade"] == "100.00"


def test_a_class_the_plan_cannot_bring_back_is_listed_with_its_reason() -> None:
    # 500 buys 6 BND (480): bonds hold 3,480 of 10,500 (33.14%); stocks, which buy_only
    # never sells, 7,000 (66.67%).
    held = samples.shares_report()
    plan = samples.planned(plan_rebalancing(held, PlanRequest("buy_only", Decimal(500))))["plan"]
    assert plan["unresolved"] == [
        {
            "asset_class": "stocks",
            "drift_after": "6.67",
            "reason": "buy_only",
            "message": "over its band, and buy_only never sells",
        },
        {
            "asset_class": "bonds",
            "drift_after": "-6.86",
            "reason": "not_enough_cash",
            "message": "not enough cash to buy it back into its band",
        },
    ]


def test_a_plan_that_cannot_be_made_carries_its_request_and_the_error() -> None:
    unavailable = PlanUnavailable(
        PlanRequest("sell_only", raise_cash=Decimal(50_000)),
        "raise_cash: cannot raise 50000: the portfolio is worth 10000.00",
    )
    assert samples.planned(unavailable)["plan"] == {
        "mode": "sell_only",
        "cash": "0.00",
        "raise_cash": "50000.00",
        "trade": "all",
        "error": "raise_cash: cannot raise 50000: the portfolio is worth 10000.00",
    }
