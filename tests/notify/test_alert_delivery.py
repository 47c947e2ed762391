"""Alerts end to end: ticks through the pipeline, the outbox drained through Apprise, real
SMTP and webhook servers on 127.0.0.1 receiving them, time moved by an injected clock."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.fixtures.sinks import SmtpSink, WebhookSink
from tests.notify.world import (
    FAMILY,
    SEED_HOLDINGS,
    World,
    make_world,
    portfolio_entry,
    titles,
    two_class_holdings,
    write_holdings,
)


@pytest.fixture
def webhook_world(engine: Engine, tmp_path: Path, webhook_sink: WebhookSink) -> World:
    world = make_world(engine, tmp_path, urls=[webhook_sink.json_url], portfolios=[FAMILY])
    write_holdings(tmp_path / "family.json", two_class_holdings(60))
    return world


def tick_and_drain(world: World, stocks: float, *, every: timedelta = timedelta(hours=1)) -> None:
    write_holdings(world.folder / "family.json", two_class_holdings(stocks))
    outcome = world.tick(every=every)
    assert outcome.status == "ok", outcome.error
    world.drain()


def test_the_drift_email_names_the_alert_lines_actions_value_and_time(
    engine: Engine, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    entry = portfolio_entry("family", '{ kind = "json", path = "family.json" }')
    world = make_world(engine, tmp_path, urls=[smtp_sink.url], portfolios=[entry])
    write_holdings(tmp_path / "family.json", SEED_HOLDINGS)
    world.tick()
    assert world.drain().sent == 1
    [email] = smtp_sink.wait_for(1)
    assert email["Subject"] == "Rebalance family: 4 classes out of band"
    body = email.get_body(("plain",))
    assert body is not None
    # Apprise writes the plain part from the HTML it made of the Markdown: list items keep
    # their "- ".
    lines = [line.strip().removeprefix("- ") for line in body.get_content().splitlines()]
    for expected in [
        "family is out of band: 4 classes to rebalance.",
        "STOCKS: under-allocated by 15.32% (current: 34.68%, target: 50.00%)",
        "ETFS: over-allocated by 23.62% (current: 38.62%, target: 15.00%)",
        "COMMODITIES: over-allocated by 11.70% (current: 26.70%, target: 15.00%)",
        "CRYPTO: under-allocated by 10.00% (current: 0.00%, target: 10.00%)",
        "BUY stocks: 11,900.00",
        "SELL etfs: 18,348.00",
        "SELL commodities: 9,088.00",
        "BUY crypto: 7,768.00",
        "Portfolio value: 77,680.00",
        "As of 2026-11-24 19:00 UTC",
    ]:
        assert expected in lines, lines


def test_many_ticks_within_the_cooldown_send_exactly_one_alert(
    webhook_world: World, webhook_sink: WebhookSink
) -> None:
    for _ in range(12):  # 12 hourly ticks, drifted all along, well within 24 h
        tick_and_drain(webhook_world, 70)
    assert titles(webhook_sink) == ["Rebalance family: 2 classes out of band"]


def test_a_reminder_arrives_once_the_cooldown_is_over(
    webhook_world: World, webhook_sink: WebhookSink
) -> None:
    for _ in range(25):  # the 25th hourly tick is 24 h after the first alert
        tick_and_drain(webhook_world, 70)
    assert titles(webhook_sink) == [
        "Rebalance family: 2 classes out of band",
        "Reminder: rebalance family: 2 classes still out of band",
    ]


def test_an_escalation_arrives_at_once_within_the_cooldown(
    webhook_world: World, webhook_sink: WebhookSink
) -> None:
    tick_and_drain(webhook_world, 70)  # worst drift 10 pp
    tick_and_drain(webhook_world, 72, every=timedelta(minutes=5))  # 12 pp: silent
    tick_and_drain(webhook_world, 76, every=timedelta(minutes=5))  # 16 pp: grew by 6
    assert titles(webhook_sink) == [
        "Rebalance family: 2 classes out of band",
        "Rebalance family now: 2 classes out of band (worst drift up to 16.00%)",
    ]


def test_a_resolved_notice_arrives_when_the_holdings_come_back_in_band(
    webhook_world: World, webhook_sink: WebhookSink
) -> None:
    tick_and_drain(webhook_world, 70)
    tick_and_drain(webhook_world, 70)
    tick_and_drain(webhook_world, 62)
    tick_and_drain(webhook_world, 61)
    assert titles(webhook_sink) == [
        "Rebalance family: 2 classes out of band",
        "family back in band",
    ]
    assert webhook_sink.requests[-1].json["type"] == "success"


def test_no_resolved_notice_when_send_resolved_is_off(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    world = make_world(
        engine,
        tmp_path,
        urls=[webhook_sink.json_url],
        notify={"send_resolved": False},
        portfolios=[FAMILY],
    )
    tick_and_drain(world, 70)
    tick_and_drain(world, 60)
    assert titles(webhook_sink) == ["Rebalance family: 2 classes out of band"]


def test_a_failing_source_says_stale_data_after_stale_after_ticks_then_recovery(
    webhook_world: World, webhook_sink: WebhookSink
) -> None:
    holdings = webhook_world.folder / "family.json"
    holdings.unlink()
    for _ in range(4):
        assert webhook_world.tick().status == "failed"
        webhook_world.drain()
    write_holdings(holdings, two_class_holdings(60))
    assert webhook_world.tick().status == "ok"
    webhook_world.drain()
    assert titles(webhook_sink) == [
        "family: stale data (3 failed ticks)",
        "family: holdings data flowing again",
    ]
    stale = webhook_sink.requests[0].json
    assert stale["type"] == "failure"
    assert "file not found" in stale["message"]


def test_a_restart_reads_the_alert_state_back_and_stays_silent(
    webhook_world: World, webhook_sink: WebhookSink, engine: Engine
) -> None:
    tick_and_drain(webhook_world, 70)
    restarted = make_world(
        engine,
        webhook_world.folder,
        urls=[webhook_sink.json_url],
        portfolios=[FAMILY],
    )
    restarted.clock.now = webhook_world.clock.now
    tick_and_drain(restarted, 70)
    assert len(webhook_sink.requests) == 1


# The worked example in shares of docs/plans.md, with its portfolio's plan in the config.
PLANNED = """[[portfolios]]
id = "family"
source = { kind = "json", path = "family.json" }
schedule = { every = "1h" }
[portfolios.targets]
stocks = 60
bonds = { target = 40, buy = "BND" }
[portfolios.plan]
"""
SHARES_HOLDINGS = {
    "VTI": {"asset_class": "stocks", "quantity": 24, "price": 250},
    "VXUS": {"asset_class": "stocks", "quantity": 20, "price": 50},
    "BND": {"asset_class": "bonds", "quantity": 10, "price": 80},
    "AGG": {"asset_class": "bonds", "quantity": 22, "price": 100},
}


def planned_email(engine: Engine, folder: Path, sink: SmtpSink, plan: str) -> EmailMessage:
    """The email of the first tick of the shares example with ``plan`` as its plan table;
    the tick must succeed whatever the plan."""
    world = make_world(engine, folder, urls=[sink.url], portfolios=[PLANNED + plan])
    write_holdings(folder / "family.json", SHARES_HOLDINGS)
    assert world.tick().status == "ok"
    assert world.drain().sent == 1
    [email] = sink.wait_for(1)
    return email


def plain_lines(email: EmailMessage) -> list[str]:
    """The plain part's lines, stripped. Apprise writes it from the HTML it made of the
    Markdown: list items keep their "- ", nested ones too."""
    body = email.get_body(("plain",))
    assert body is not None
    return [line.strip().removeprefix("- ") for line in body.get_content().splitlines()]


def test_the_drift_email_gives_the_portfolios_configured_plan_in_whole_shares(
    engine: Engine, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    email = planned_email(
        engine, tmp_path, smtp_sink, 'mode = "buy_only"\ncash = 5000\nmin_trade = 100\n'
    )
    assert email["Subject"] == "Rebalance family: 2 classes out of band"
    lines = plain_lines(email)
    plan_at = lines.index("Plan (buy_only, new cash 5,000.00): buy 4,960.00; cash left 40.00")
    assert [line for line in lines[plan_at + 1 :] if line][:4] == [
        "BUY stocks: 2,000.00 (70.00% → 60.00%)",
        "BUY 8 VTI @ 250.00 = 2,000.00",
        "BUY bonds: 2,960.00 (30.00% → 39.73%)",
        "BUY 37 BND @ 80.00 = 2,960.00",
    ]
    assert "STOCKS: over-allocated by 10.00% (current: 70.00%, target: 60.00%)" in lines
    assert "Suggested actions" not in lines  # the plan is the one list of what to do


def test_a_plan_that_cannot_be_made_does_not_fail_the_tick_and_the_email_says_why(
    engine: Engine, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    email = planned_email(engine, tmp_path, smtp_sink, 'mode = "sell_only"\nraise_cash = 50000\n')
    assert (
        "Plan (sell_only, raising 50,000.00) cannot be made: "
        "raise_cash: cannot raise 50000: the portfolio is worth 10000.00"
    ) in plain_lines(email)
