"""The plan an alert gives: which notices carry one, from which config, and what a tick
stores when the plan cannot be made."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from monitor.cli import app
from monitor.domain.alerting import Notice, NoticeKind
from monitor.domain.allocation import Holding, compute_allocation
from monitor.domain.plans import PlanRequest, RebalancingPlan
from monitor.errors import ConfigError
from monitor.notify.alert_plans import AlertPlanner
from monitor.notify.payloads import PlanUnavailable
from monitor.settings import Settings, load_settings
from monitor.store.outbox import OutboxItem
from tests.fixtures.sinks import WebhookSink
from tests.notify import samples
from tests.notify.world import make_world, portfolio_entry

FAMILY = '[[portfolios]]\nid = "family"\nsource = { kind = "json", path = "family.json" }\n'
VALUES = compute_allocation(
    [Holding("VTI", "stocks", Decimal(70)), Holding("BND", "bonds", Decimal(30))],
    {"stocks": Decimal(60), "bonds": Decimal(40)},
)


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "monitor.toml"
    path.write_text(text)
    return load_settings(path)


def planner(tmp_path: Path, text: str) -> AlertPlanner:
    settings = load(tmp_path, text)
    return AlertPlanner.of(settings.entry_config(settings.portfolios[0].id))


def test_a_portfolios_plan_table_gives_the_mode_and_cash_its_alerts_plan_with(
    tmp_path: Path,
) -> None:
    found = planner(
        tmp_path,
        '[plan]\nmode = "buy_only"\n' + FAMILY + "[portfolios.plan]\ncash = 2000\n",
    )
    assert found == AlertPlanner(PlanRequest("buy_only", Decimal(2000)), configured=True)


def test_a_portfolios_alerts_trade_the_classes_its_plan_table_says(tmp_path: Path) -> None:
    found = planner(tmp_path, FAMILY + '[portfolios.plan]\ntrade = "breaching"\n')
    assert found == AlertPlanner(PlanRequest(trade="breaching"), configured=True)
    plan = found.plan_for(Notice("drifted"), ONE_BREACH)
    assert isinstance(plan, RebalancingPlan)
    assert [(a.action, a.asset_class) for a in plan.actions] == [("SELL", "stocks")]


# stocks at 57% of 50 breaches; bonds 22% and gold 21% of 25 do not.
ONE_BREACH = compute_allocation(
    [
        Holding("VTI", "stocks", Decimal(5700)),
        Holding("BND", "bonds", Decimal(2200)),
        Holding("GLD", "gold", Decimal(2100)),
    ],
    {"stocks": Decimal(50), "bonds": Decimal(25), "gold": Decimal(25)},
)


def test_without_any_plan_key_a_portfolio_has_no_configured_plan(tmp_path: Path) -> None:
    assert planner(tmp_path, FAMILY) == AlertPlanner(PlanRequest(), configured=False)


def test_a_top_level_plan_key_configures_every_portfolios_plan(tmp_path: Path) -> None:
    assert planner(tmp_path, "[plan]\nmin_trade = 100\n" + FAMILY).configured


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "[plan]\ncash = 500\n" + FAMILY + '[portfolios.plan]\nmode = "sell_only"\n',
            "portfolio 'family': plan.cash: sell_only invests no new cash",
        ),
        ("[plan]\nraise_cash = 500\n", "plan.raise_cash: only the sell_only mode raises cash"),
        ("[plan]\ncash = -1\n", "plan.cash: Input should be greater than or equal to 0"),
    ],
)
def test_a_plan_whose_mode_and_cash_do_not_fit_is_a_config_error(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert len(caught.value.problems) == 1 and problem in caught.value.problems[0]


@pytest.mark.parametrize("kind", ["drifted", "escalated", "reminder"])
def test_every_notice_asking_for_a_rebalance_carries_the_configured_plan(kind: NoticeKind) -> None:
    configured = AlertPlanner(PlanRequest("buy_only", Decimal(100)), configured=True)
    plan = configured.plan_for(Notice(kind), VALUES)
    assert isinstance(plan, RebalancingPlan)
    assert (plan.mode, plan.bought, plan.sold) == ("buy_only", Decimal(100), Decimal(0))


@pytest.mark.parametrize("kind", ["resolved", "stale", "recovered"])
def test_notices_that_ask_for_no_rebalance_carry_no_plan(kind: NoticeKind) -> None:
    configured = AlertPlanner(PlanRequest(), configured=True)
    assert configured.plan_for(Notice(kind), VALUES) is None


def test_an_unconfigured_portfolio_held_in_money_gets_no_plan() -> None:
    assert AlertPlanner(PlanRequest(), configured=False).plan_for(Notice("drifted"), VALUES) is None


def test_an_unconfigured_portfolio_held_in_shares_gets_the_default_plan_in_shares() -> None:
    unconfigured = AlertPlanner(PlanRequest(), configured=False)
    plan = unconfigured.plan_for(Notice("drifted"), samples.shares_report())
    assert isinstance(plan, RebalancingPlan)
    assert [(t.side, t.shares, t.symbol) for t in plan.trades] == [
        ("SELL", Decimal(4), "VTI"),
        ("BUY", Decimal(12), "BND"),
    ]


def test_a_plan_the_engine_refuses_comes_back_with_the_engines_message() -> None:
    asking_too_much = AlertPlanner(PlanRequest("sell_only", raise_cash=Decimal(500)), True)
    assert asking_too_much.plan_for(Notice("drifted"), VALUES) == PlanUnavailable(
        PlanRequest("sell_only", raise_cash=Decimal(500)),
        "raise_cash: cannot raise 500: the portfolio is worth 100.00",
    )


def ticked_clients(
    engine: Engine, folder: Path, sink: WebhookSink, csv_text: str, *, group: str = "entry"
) -> list[OutboxItem]:
    """The notifications of the first tick of a multi-account entry whose plan invests 100
    in buy_only mode, each account's holdings from ``csv_text``."""
    clients = portfolio_entry(
        "clients", '{ kind = "csv", path = "clients.csv" }', targets={"stocks": 60, "bonds": 40}
    )
    world = make_world(
        engine,
        folder,
        urls=[sink.json_url],
        notify={"group": group},
        portfolios=[clients + '[portfolios.plan]\nmode = "buy_only"\ncash = 100\n'],
    )
    (folder / "clients.csv").write_text(csv_text)
    assert world.tick("clients").status == "ok"
    return world.notifications()


def test_a_digest_stays_compact_its_accounts_carry_no_plan(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    in_shares = "".join(
        f"a{n},VTI,stocks,{70 + n},1\na{n},BND,bonds,{30 - n},1\n" for n in range(3)
    )
    [digest] = ticked_clients(
        engine, tmp_path, webhook_sink, "account,symbol,asset_class,quantity,price\n" + in_shares
    )
    assert digest.kind == "digest"
    assert "plan" not in digest.payload
    assert all(set(account) == DIGEST_ACCOUNT_KEYS for account in digest.payload["accounts"])


DIGEST_ACCOUNT_KEYS = {"portfolio_id", "status", "worst_drift", "breaching", "alerts"}


def test_accounts_alerted_one_by_one_each_carry_their_own_plan(
    engine: Engine, tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    alerts = ticked_clients(
        engine,
        tmp_path,
        webhook_sink,
        "account,symbol,asset_class,value\na1,VTI,stocks,70\na1,BND,bonds,30\n"
        "a2,VTI,stocks,20\na2,BND,bonds,80\n",
        group="account",
    )
    bought = {
        n.portfolio_id: [(a["action"], a["asset_class"]) for a in n.payload["plan"]["actions"]]
        for n in alerts
    }
    assert bought == {
        "clients/a1": [("BUY", "stocks"), ("BUY", "bonds")],
        "clients/a2": [("BUY", "stocks")],
    }


def test_check_for_a_portfolio_makes_the_plan_its_alerts_give(tmp_path: Path) -> None:
    (tmp_path / "h.json").write_text(json.dumps(SHARES_JSON))
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[[portfolios]]\nid = "family"\nsource = { kind = "json", path = "h.json" }\n'
        '[portfolios.targets]\nstocks = 60\nbonds = { target = 40, buy = "BND" }\n'
        '[portfolios.plan]\nmode = "buy_only"\ncash = 5000\n'
    )
    args = ["-c", str(config), "check", "-H", str(tmp_path / "h.json"), "-p", "family"]
    configured = CliRunner().invoke(app, args)
    assert "Plan (buy_only): buy 4,960.00, sell 0.00, new cash 5,000.00; cash left 40.00" in (
        configured.stdout
    )
    # --mode starts afresh: the configured cash belongs to the configured mode.
    told = CliRunner().invoke(app, [*args, "--mode", "sell_only", "--raise-cash", "1000"])
    assert "Plan (sell_only): buy 0.00, sell 1,000.00; cash left 1,000.00" in told.stdout


SHARES_JSON = {
    h.symbol: {"asset_class": h.asset_class, "quantity": int(h.quantity), "price": int(h.price)}
    for h in samples.SHARES
    if h.quantity is not None and h.price is not None
}
