"""Replay over a small fabricated history, every figure worked out by hand.

Targets stocks 60 / bonds 40, a 1,000 portfolio, one snapshot a day; 5 pp threshold,
cooldown 2 days, escalation step 5 pp:

| day | stocks | drift | what the policy does                  | plan (to target)    |
|-----|--------|-------|---------------------------------------|---------------------|
| 0   | 600    | 0     | in band                               |                     |
| 1   | 670    | +7    | drifted                               | sell 70, buy 70     |
| 2   | 680    | +8    | silent: 1 day into the cooldown       |                     |
| 3   | 690    | +9    | reminder: 2 days since day 1          | sell 90, buy 90     |
| 4   | 720    | +12   | silent: grew 3 since day 3, 1 day     |                     |
| 5   | 740    | +14   | escalated: grew 5 since day 3         | sell 140, buy 140   |
| 6   | 620    | +2    | resolved                              |                     |
| 7   | 600    | 0     | in band                               |                     |

So: 4 alerts, 3 rebalances advised, turnover 140 + 180 + 280 = 600, out of band from day 1
to day 6 (5 days), largest drift let stand 12 (day 4).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from monitor.domain.alerting import AlertPolicy
from monitor.domain.bands import DriftPolicy
from monitor.domain.replay import Observation, ReplayPolicy, leaf_values, replay
from monitor.domain.targets import Targets, parse_targets
from monitor.errors import InputError

T0 = datetime(2024, 1, 1, 18, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TARGETS = Targets.flat({"stocks": Decimal(60), "bonds": Decimal(40)})
STOCKS = [600, 670, 680, 690, 720, 740, 620, 600]
ALERTS = AlertPolicy(cooldown=2 * DAY, escalation_step=Decimal(5))
FIVE_PP = ReplayPolicy("5pp", DriftPolicy(threshold=Decimal(5)), ALERTS)


def history(portfolio_id: str = "family", stocks: list[int] = STOCKS) -> list[Observation]:
    return [
        Observation(
            portfolio_id,
            T0 + day * DAY,
            Decimal(1000),
            {"stocks": Decimal(value), "bonds": Decimal(1000 - value)},
        )
        for day, value in enumerate(stocks)
    ]


def test_the_alerts_it_would_have_sent_are_those_worked_out_by_hand() -> None:
    [account] = replay(history(), TARGETS, FIVE_PP).accounts
    assert [(a.kind, (a.at - T0).days, a.worst_drift) for a in account.alerts] == [
        ("drifted", 1, 7),
        ("reminder", 3, 9),
        ("escalated", 5, 14),
        ("resolved", 6, 2),
    ]


def test_rebalances_turnover_days_out_of_band_and_drift_let_stand() -> None:
    result = replay(history(), TARGETS, FIVE_PP)
    [account] = result.accounts
    assert account.rebalances == 3
    assert [a.turnover for a in account.alerts] == [140, 180, 280, 0]
    assert account.turnover == 600
    assert account.days_out_of_band == 5
    assert account.largest_drift_let_stand == 12
    assert result.counts == {"drifted": 1, "escalated": 1, "reminder": 1, "resolved": 1}


def test_trading_to_the_band_edge_turns_over_less() -> None:
    # Half way to the 5 pp edge: each class goes back to 2.5 pp, not to its target.
    edge = ReplayPolicy(
        "band-edge", DriftPolicy(threshold=Decimal(5), rebalance_to="band_edge"), ALERTS
    )
    [account] = replay(history(), TARGETS, edge).accounts
    assert [a.turnover for a in account.alerts] == [90, 130, 230, 0]


def test_a_wider_threshold_sends_less_and_lets_more_stand() -> None:
    # 10 pp: out of band only on days 4 and 5 (12 and 14).
    wide = ReplayPolicy("10pp", DriftPolicy(threshold=Decimal(10)), ALERTS)
    [account] = replay(history(), TARGETS, wide).accounts
    assert [(a.kind, (a.at - T0).days) for a in account.alerts] == [
        ("drifted", 4),
        ("resolved", 6),
    ]
    assert account.days_out_of_band == 2
    # Day 5: 14, grown 2 since day 4's alert and 1 day into the cooldown: silent.
    assert account.largest_drift_let_stand == 14
    assert account.turnover == 240  # day 4: sell 120, buy 120


def test_every_account_is_replayed_on_its_own_with_totals_and_the_worst_first() -> None:
    calm = history("clients/b", [600] * 8)
    result = replay([*history("clients/a"), *calm], TARGETS, FIVE_PP)
    assert [a.portfolio_id for a in result.accounts] == ["clients/a", "clients/b"]
    assert (result.alerts, result.rebalances, result.turnover) == (4, 3, 600)
    assert result.days_out_of_band == 5
    assert [a.portfolio_id for a in result.worst_accounts(1)] == ["clients/a"]


def test_an_empty_history_replays_to_nothing() -> None:
    result = replay([], TARGETS, FIVE_PP)
    assert (result.accounts, result.alerts, result.largest_drift_let_stand) == ((), 0, 0)


def test_a_snapshot_worth_nothing_is_named() -> None:
    broken = [Observation("family", T0, Decimal(0), {"stocks": Decimal(0)})]
    with pytest.raises(InputError, match="family at 2024-01-01T18:00:00"):
        replay(broken, TARGETS, FIVE_PP)


def test_only_the_classes_holdings_sit_in_are_rebuilt() -> None:
    tree = parse_targets(
        {"stocks": {"target": 60, "children": {"us": 70, "intl": 30}}, "bonds": 40}
    )
    stored = [
        ("stocks", Decimal(600)),
        ("stocks/us", Decimal(420)),
        ("stocks/intl", Decimal(180)),
        ("bonds", Decimal(400)),
    ]
    assert leaf_values(stored, tree) == {
        "stocks/us": Decimal(420),
        "stocks/intl": Decimal(180),
        "bonds": Decimal(400),
    }
