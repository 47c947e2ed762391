"""Notification payloads: what a notice and a digest carry."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from monitor.alerting import AlertState, Notice
from monitor.allocation import AllocationReport, Holding, compute_allocation
from monitor.notify.payloads import AccountOutcome, PortfolioRef, digest_payload, notice_payload

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
