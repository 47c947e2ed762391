"""Rebalancing plans: what to buy and sell, per class and per holding.

``plan`` makes a plan from an allocation report and a request (mode, cash, which classes
trade); ``amounts`` says how much money each class moves, ``trades`` places that money on
holdings (whole shares where a holding trades in them) and ``fitting`` fits the buys to the
cash, ``levelling`` shares an amount out level by level and to the cent, and ``outcome``
says what the plan leaves unresolved. The names below are what the rest of the monitor
uses. Pure: no I/O, no clock.
"""

from __future__ import annotations

from monitor.domain.plans.amounts import PlanTrade
from monitor.domain.plans.plan import (
    PLAN_MODES,
    PLAN_TRADES,
    PlanMode,
    PlannedAction,
    PlanRequest,
    RebalancingPlan,
    check_mode_amounts,
    plan_buy_only,
    plan_rebalancing,
)
from monitor.domain.plans.trades import SkippedTrade, Trade, in_shares, tradable

__all__ = [
    "PLAN_MODES",
    "PLAN_TRADES",
    "PlanMode",
    "PlanRequest",
    "PlanTrade",
    "PlannedAction",
    "RebalancingPlan",
    "SkippedTrade",
    "Trade",
    "check_mode_amounts",
    "in_shares",
    "plan_buy_only",
    "plan_rebalancing",
    "tradable",
]
