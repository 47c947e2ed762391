from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from monitor.domain.allocation import AllocationReport
from monitor.domain.plans import PlanRequest, RebalancingPlan, plan_rebalancing
from monitor.errors import DeliveryError
from monitor.notify.payloads import PlanUnavailable
from monitor.notify.templates import (
    check_templates,
    render_message,
    render_title,
)
from tests.notify import samples


def test_a_drift_title_counts_the_classes_out_of_band() -> None:
    assert render_message(samples.drifted()).title == "Rebalance family: 2 classes out of band"


def test_a_single_class_out_of_band_is_singular_in_the_title() -> None:
    payload = samples.drifted(breaching=["stocks"], alerts=samples.SEED_ALERTS[:1])
    assert render_message(payload).title == "Rebalance family: 1 class out of band"


@pytest.mark.parametrize("body", ["body_text", "body_markdown"])
def test_a_drift_body_lists_the_alert_lines_exactly_as_given(body: str) -> None:
    text = getattr(render_message(samples.drifted()), body)
    for line in samples.SEED_ALERTS:
        assert line in text


def test_the_text_body_lists_actions_with_thousands_separators_and_two_decimals() -> None:
    text = render_message(samples.drifted()).body_text
    assert "BUY stocks: 64,827.82" in text
    assert "BUY crypto: 18,353.56" in text


def test_the_body_shows_the_portfolio_value_and_the_time_in_the_payloads_timezone() -> None:
    text = render_message(samples.drifted()).body_text
    assert "Portfolio value: 183,535.63" in text
    assert "As of 2026-11-24 13:00 EST" in text


def test_the_markdown_body_escapes_what_markdown_would_interpret() -> None:
    line = "US_LARGE_CAP: over-allocated by 6.00% (current: 36.00%, target: 30.00%)"
    markdown = render_message(samples.drifted(alerts=[line])).body_markdown
    assert r"- US\_LARGE\_CAP: over-allocated by 6.00%" in markdown


def test_an_escalation_title_names_the_newly_breaching_classes() -> None:
    title = render_message(samples.escalated()).title
    assert title == "Rebalance family now: 2 classes out of band (crypto newly out)"


def test_an_escalation_by_growth_alone_names_the_worst_drift() -> None:
    title = render_message(samples.escalated(new_classes=[])).title
    assert title == "Rebalance family now: 2 classes out of band (worst drift up to 35.32%)"


def test_a_reminder_title_says_the_classes_are_still_out_of_band() -> None:
    title = render_message(samples.reminder()).title
    assert title == "Reminder: rebalance family: 2 classes still out of band"


def test_a_resolved_notice_says_the_portfolio_is_back_in_band() -> None:
    message = render_message(samples.resolved())
    assert message.title == "family back in band"
    assert "Family portfolio is back within its bands" in message.body_text
    assert message.notify_type == "success"


def test_a_stale_notice_counts_the_failed_ticks_and_quotes_the_error() -> None:
    message = render_message(samples.stale())
    assert message.title == "family: stale data (3 failed ticks)"
    assert "Last error: csv holdings.csv: file not found" in message.body_text
    assert message.notify_type == "failure"


def test_a_stale_notice_shows_the_error_as_code_in_markdown() -> None:
    markdown = render_message(samples.stale(error="bad <row> *7*")).body_markdown
    assert "Last error: `bad <row> *7*`" in markdown


def test_a_recovery_notice_says_data_flows_again() -> None:
    message = render_message(samples.recovered())
    assert message.title == "family: holdings data flowing again"
    assert "can be read again after 3 failed ticks" in message.body_text


def test_a_test_notice_says_it_is_a_test() -> None:
    message = render_message(samples.notify_test())
    assert message.title == "Test notification for family"
    assert "test notification" in message.body_text


def test_a_digest_title_counts_accounts_out_of_band_and_what_changed() -> None:
    title = render_message(samples.digest()).title
    assert title == "Rebalance clients: 137 of 4,000 accounts out of band (12 new, 3 resolved)"


def test_a_digest_lists_accounts_up_to_the_limit_then_says_how_many_more() -> None:
    text = render_message(samples.digest(140, list_limit=50)).body_text
    assert "clients/a49:" in text
    assert "clients/a50:" not in text
    assert "and 90 more" in text


def test_a_digest_attaches_a_csv_of_every_account() -> None:
    attachment = render_message(samples.digest(140, list_limit=50)).attachment
    assert attachment is not None
    assert attachment.filename == "clients-accounts-2026-11-24.csv"
    rows = list(csv.DictReader(io.StringIO(attachment.content.decode())))
    assert len(rows) == 140
    assert rows[0] == {
        "portfolio_id": "clients/a0",
        "status": "new",
        "worst_drift": "40.00",
        "alerts": "STOCKS: over-allocated by 40.00% (x)",
    }


def test_a_digest_csv_keeps_spreadsheet_formulas_from_running() -> None:
    payload = samples.digest(1)
    payload["accounts"][0]["portfolio_id"] = "=HYPERLINK(1)"
    attachment = render_message(payload).attachment
    assert attachment is not None
    assert "'=HYPERLINK(1)" in attachment.content.decode()


def test_a_digest_names_the_command_and_route_that_show_every_account() -> None:
    text = render_message(samples.digest(140, list_limit=50, alert_id=42)).body_text
    assert (
        "and 90 more (all of them: allocation-monitor alerts show 42, or GET /api/v1/alerts/42)."
        in text
    )


def test_a_digest_lists_what_changed_before_the_accounts_still_out_of_band() -> None:
    payload = samples.digest(4, list_limit=2)
    payload["accounts"] = [
        samples.account(1, "still", "30.00"),
        samples.account(2, "resolved", "1.00"),
        samples.account(3, "new", "12.00"),
        samples.account(4, "escalated", "11.00"),
    ]
    text = render_message(payload).body_text
    listed = [line.split(":")[0] for line in text.splitlines() if line.startswith("clients/")]
    assert listed == ["clients/a3", "clients/a4"]
    assert "and 2 more" in text


@pytest.mark.parametrize(
    "payload",
    [
        samples.drifted(),
        samples.escalated(),
        samples.reminder(),
        samples.resolved(),
        samples.stale(),
        samples.recovered(),
        samples.notify_test(),
        samples.digest(),
    ],
    ids=lambda payload: payload["kind"],
)
def test_every_kind_renders_a_title_and_both_bodies(payload: dict[str, Any]) -> None:
    message = render_message(payload)
    assert message.title
    assert message.body_text
    assert message.body_markdown
    assert "\n" not in message.title


def test_an_unknown_kind_is_a_permanent_delivery_error() -> None:
    with pytest.raises(DeliveryError, match="unknown notification kind 'weird'") as error:
        render_message(samples.drifted(kind="weird"))
    assert error.value.permanent


def test_a_file_in_the_user_template_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "title.j2").write_text("{{ portfolio_id | upper }} needs you")
    message = render_message(samples.drifted(), templates_dir=tmp_path)
    assert message.title == "FAMILY needs you"
    assert "STOCKS: under-allocated by 35.32%" in message.body_text


def test_a_kind_specific_user_template_overrides_only_that_kind(tmp_path: Path) -> None:
    (tmp_path / "resolved.txt.j2").write_text("All good at {{ local_time }}.")
    assert render_message(samples.resolved(), templates_dir=tmp_path).body_text == (
        "All good at 2026-11-24 13:00 EST."
    )
    assert "out of band" in render_message(samples.drifted(), templates_dir=tmp_path).body_text


def test_a_misspelt_name_in_a_user_template_is_a_permanent_delivery_error(tmp_path: Path) -> None:
    (tmp_path / "title.j2").write_text("{{ portfolio_idd }}")
    with pytest.raises(DeliveryError, match="portfolio_idd") as error:
        render_message(samples.drifted(), templates_dir=tmp_path)
    assert error.value.permanent


def test_check_templates_reports_syntax_errors(tmp_path: Path) -> None:
    (tmp_path / "title.j2").write_text("{% if %}")
    (tmp_path / "drifed.md.j2").write_text("typo in the name")
    (tmp_path / "resolved.md.j2").write_text("fine")
    problems = check_templates(tmp_path).problems
    assert len(problems) == 1
    assert "title.j2: line 1:" in problems[0]


def test_unused_templates_names_files_no_message_uses(tmp_path: Path) -> None:
    (tmp_path / "drifed.md.j2").write_text("typo in the name")
    (tmp_path / "resolved.md.j2").write_text("fine")
    assert check_templates(tmp_path).unused == [
        f"{tmp_path / 'drifed.md.j2'}: not a template name this monitor uses, nor included by one"
    ]


def test_a_macro_file_a_template_imports_is_used_and_checked(tmp_path: Path) -> None:
    (tmp_path / "title.j2").write_text('{% import "macros.j2" as m %}{{ m.t(name) }}')
    (tmp_path / "macros.j2").write_text("{% macro t(n) %}Rebalance {{ n }}{% endmacro %}")
    assert check_templates(tmp_path).unused == []
    assert check_templates(tmp_path).problems == []
    (tmp_path / "macros.j2").write_text("{% macro t(n) %}{% if %}{% endmacro %}")
    assert f"{tmp_path / 'macros.j2'}: line 1:" in check_templates(tmp_path).problems[0]


def test_render_title_renders_the_title_alone(tmp_path: Path) -> None:
    (tmp_path / "title.j2").write_text("Rebalance {{ name }}")
    (tmp_path / "body.txt.j2").write_text("{{ 1 / 0 }}")
    title = render_title(samples.drifted(), templates_dir=tmp_path)
    assert title == f"Rebalance {samples.drifted()['portfolio_name']}"


def test_check_templates_reports_a_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert check_templates(missing).problems == [f"templates_dir {missing} is not a folder"]


def test_a_syntax_error_in_a_user_template_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "title.j2").write_text("fine\n{% if %}")
    with pytest.raises(DeliveryError, match=r"template title.j2 line 2: ") as error:
        render_message(samples.drifted(), templates_dir=tmp_path)
    assert error.value.permanent


def test_a_payload_with_a_malformed_amount_is_a_permanent_delivery_error() -> None:
    payload = samples.drifted(actions=[{"action": "BUY", "asset_class": "x", "amount": "lots"}])
    with pytest.raises(DeliveryError, match="expected a number, got 'lots'") as error:
        render_message(payload)
    assert error.value.permanent


def test_a_plan_in_whole_shares_takes_the_place_of_the_suggested_actions() -> None:
    text = plan_text(plan_rebalancing(samples.shares_report()))
    assert body_lines(text, "Plan", "Portfolio value") == [
        "Plan (buy_and_sell): sell 1,000.00, buy 960.00; cash left 40.00",
        "SELL stocks: 1,000.00 (70.00% -> 60.00%)",
        "  SELL 4 VTI @ 250.00 = 1,000.00",
        "BUY bonds: 960.00 (30.00% -> 39.60%)",
        "  BUY 12 BND @ 80.00 = 960.00",
        "",
    ]
    assert "Suggested actions" not in text


def test_a_plan_trading_breaching_classes_only_says_so() -> None:
    plan = plan_rebalancing(samples.min_trade_report(), PlanRequest(trade="breaching"))
    text = plan_text(plan, samples.min_trade_report())
    assert body_lines(text, "Plan", "SELL")[0] == (
        "Plan (buy_and_sell, breaching classes only): sell 600.00, buy 600.00; cash left 0.00"
    )
    assert samples.planned(plan)["plan"]["trade"] == "breaching"


def test_a_buy_only_plan_names_its_new_cash() -> None:
    text = plan_text(
        plan_rebalancing(samples.shares_report(), PlanRequest("buy_only", Decimal(5000)))
    )
    assert body_lines(text, "Plan", "Portfolio value") == [
        "Plan (buy_only, new cash 5,000.00): buy 4,960.00; cash left 40.00",
        "BUY stocks: 2,000.00 (70.00% -> 60.00%)",
        "  BUY 8 VTI @ 250.00 = 2,000.00",
        "BUY bonds: 2,960.00 (30.00% -> 39.73%)",
        "  BUY 37 BND @ 80.00 = 2,960.00",
        "",
    ]


def test_a_trade_below_the_minimum_is_listed_as_left_out() -> None:
    text = plan_text(plan_rebalancing(samples.min_trade_report()), samples.min_trade_report())
    assert body_lines(text, "Plan", "Portfolio value") == [
        "Plan (buy_and_sell): sell 600.00, buy 600.00; cash left 0.00",
        "SELL stocks: 600.00 (66.00% -> 60.00%)",
        "  SELL VTI: 600.00",
        "BUY bonds: 600.00 (28.50% -> 34.50%)",
        "  BUY BND: 600.00",
        "",
        "Left out, below the minimum trade of 100.00:",
        "  SELL USD: 50.00",
        "",
    ]


def test_a_class_the_plan_cannot_bring_back_is_named_with_the_reason() -> None:
    text = plan_text(
        plan_rebalancing(samples.shares_report(), PlanRequest("buy_only", Decimal(500)))
    )
    assert body_lines(text, "Still outside", "Portfolio value") == [
        "Still outside the band after the plan:",
        "  stocks: over-allocated by 6.67% (over its band, and buy_only never sells)",
        "  bonds: under-allocated by 6.86% (not enough cash to buy it back into its band)",
        "",
    ]


def test_a_plan_that_cannot_be_made_is_stated_with_its_error() -> None:
    unavailable = PlanUnavailable(
        PlanRequest("sell_only", raise_cash=Decimal(50_000)),
        "raise_cash: cannot raise 50000: the portfolio is worth 10000.00",
    )
    message = render_message(samples.planned(unavailable))
    assert (
        "Plan (sell_only, raising 50,000.00) cannot be made: "
        "raise_cash: cannot raise 50000: the portfolio is worth 10000.00"
    ) in message.body_text.splitlines()
    assert "STOCKS: over-allocated by 10.00% (current: 70.00%, target: 60.00%)" in (
        message.body_text
    )
    assert r"cannot be made: raise\_cash: cannot raise 50000: the portfolio is worth" in (
        message.body_markdown
    )


def test_the_markdown_plan_nests_each_holdings_trade_under_its_class() -> None:
    markdown = render_message(samples.planned(plan_rebalancing(samples.shares_report())))
    assert body_lines(markdown.body_markdown, "**Plan**", "Portfolio value") == [
        r"**Plan** (buy\_and\_sell): sell **1,000.00**, buy **960.00**; cash left **40.00**",
        "",
        "- SELL stocks: **1,000.00** (70.00% → 60.00%)",
        "    - SELL 4 VTI @ 250.00 = 1,000.00",
        "- BUY bonds: **960.00** (30.00% → 39.60%)",
        "    - BUY 12 BND @ 80.00 = 960.00",
        "",
    ]


def test_fractional_shares_and_fine_prices_are_shown_as_they_are() -> None:
    payload = samples.planned(plan_rebalancing(samples.shares_report()))
    payload["plan"]["actions"][0]["trades"] = [
        {"side": "SELL", "symbol": "BTC", "shares": "0.0125", "price": "64000", "amount": "800.00"},
        {
            "side": "SELL",
            "symbol": "PEPE",
            "shares": "1500000",
            "price": "0.00013",
            "amount": "195",
        },
    ]
    text = render_message(payload).body_text
    assert "  SELL 0.0125 BTC @ 64,000.00 = 800.00" in text
    assert "  SELL 1,500,000 PEPE @ 0.00013 = 195.00" in text


def test_a_drift_notice_without_a_plan_keeps_the_suggested_actions() -> None:
    text = render_message(samples.drifted()).body_text
    assert body_lines(text, "Suggested actions", "Portfolio value") == [
        "Suggested actions:",
        "BUY stocks: 64,827.82",
        "BUY crypto: 18,353.56",
        "",
    ]
    assert "Plan" not in text


def plan_text(plan: RebalancingPlan, report: AllocationReport | None = None) -> str:
    """The text body of a drift notice carrying ``plan``."""
    return render_message(samples.planned(plan, report)).body_text


def body_lines(body: str, first: str, stop: str) -> list[str]:
    """The lines of ``body`` from the one starting with ``first`` up to the one starting
    with ``stop``."""
    lines = body.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(first))
    end = next(n for n, line in enumerate(lines) if n > start and line.startswith(stop))
    return lines[start:end]
