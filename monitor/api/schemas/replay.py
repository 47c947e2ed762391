"""JSON shapes of a replay (the API's, and ``replay --format json``), and the one function
both edges run: read the history once, replay each policy over it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from monitor.api.fields import BOUND, DURATION_PATTERN, Number, Rounded
from monitor.domain.bands import DriftRule, RebalanceTo
from monitor.domain.history import Window
from monitor.domain.numbers import LIMIT
from monitor.domain.replay import AccountReplay, ReplayedAlert, ReplayResult, replay
from monitor.settings import Settings
from monitor.settings.replay_policies import (
    PolicyChanges,
    changes_of,
    entry_of,
    policy_from,
    replay_policy,
)
from monitor.store.replay_history import replay_history

WORST_ACCOUNTS = 5


class PolicyOut(BaseModel):
    name: str
    threshold: Number
    relative_threshold: Number | None
    drift_rule: str
    hybrid_floor: Number
    rebalance_to: str
    tolerance: Number
    min_trade: Number
    cooldown: timedelta
    escalation_step: Number


class ReplayedAlertOut(BaseModel):
    portfolio_id: str
    at: datetime
    kind: str = Field(description="drifted (a first alert), escalated, reminder, resolved")
    worst_drift: Rounded
    new_classes: list[str]
    turnover: Rounded = Field(description="The advised plan's trades, in money")


class AccountOut(BaseModel):
    portfolio_id: str
    snapshots: int
    alerts: int
    rebalances: int
    turnover: Rounded
    days_out_of_band: Rounded
    largest_drift_let_stand: Rounded


class ReplayOut(BaseModel):
    policy: PolicyOut
    accounts: int
    snapshots: int
    alerts: int
    first_alerts: int
    escalations: int
    reminders: int
    resolved: int
    rebalances: int = Field(description="Alerts that advised a rebalance (all but resolved)")
    turnover: Rounded = Field(description="The sum of the advised plans' trade amounts")
    days_out_of_band: Rounded = Field(description="Summed over the accounts")
    largest_drift_let_stand: Rounded = Field(
        description="The worst drift (pp) of a snapshot no alert advised on"
    )
    worst_accounts: list[AccountOut] = Field(
        description="Longest out of band first (the only one, for a single portfolio)"
    )
    alert_log: list[ReplayedAlertOut]


class ReplayResponse(BaseModel):
    portfolio_id: str
    since: datetime | None
    until: datetime | None
    replays: list[ReplayOut] = Field(description="One per policy, the first one as given")


def account_out(account: AccountReplay) -> AccountOut:
    return AccountOut(
        portfolio_id=account.portfolio_id,
        snapshots=account.snapshots,
        alerts=len(account.alerts),
        rebalances=account.rebalances,
        turnover=account.turnover,
        days_out_of_band=account.days_out_of_band,
        largest_drift_let_stand=account.largest_drift_let_stand,
    )


def alert_out(alert: ReplayedAlert) -> ReplayedAlertOut:
    return ReplayedAlertOut(
        portfolio_id=alert.portfolio_id,
        at=alert.at,
        kind=alert.kind,
        worst_drift=alert.worst_drift,
        new_classes=list(alert.new_classes),
        turnover=alert.turnover,
    )


def replay_out(result: ReplayResult) -> ReplayOut:
    policy, drift = result.policy, result.policy.drift
    counts = result.counts
    return ReplayOut(
        policy=PolicyOut(
            name=policy.name,
            threshold=drift.threshold,
            relative_threshold=drift.relative_threshold,
            drift_rule=drift.drift_rule,
            hybrid_floor=drift.hybrid_floor,
            rebalance_to=drift.rebalance_to,
            tolerance=drift.tolerance,
            min_trade=drift.min_trade,
            cooldown=policy.alerts.cooldown,
            escalation_step=policy.alerts.escalation_step,
        ),
        accounts=len(result.accounts),
        snapshots=sum(a.snapshots for a in result.accounts),
        alerts=result.alerts,
        first_alerts=counts["drifted"],
        escalations=counts["escalated"],
        reminders=counts["reminder"],
        resolved=counts["resolved"],
        rebalances=result.rebalances,
        turnover=result.turnover,
        days_out_of_band=result.days_out_of_band,
        largest_drift_let_stand=result.largest_drift_let_stand,
        worst_accounts=[account_out(a) for a in result.worst_accounts(WORST_ACCOUNTS)],
        alert_log=[
            alert_out(alert)
            for alert in sorted(
                (alert for a in result.accounts for alert in a.alerts),
                key=lambda alert: (alert.at, alert.portfolio_id),
            )
        ],
    )


def run_replay(
    *,
    session: Session,
    settings: Settings,
    portfolio_id: str,
    window: Window,
    changes: PolicyChanges,
    compare: Sequence[str | PolicyChanges],
) -> ReplayResponse:
    """The entry's policy with ``changes``, then each of ``compare``, over the same history.
    Reads the store; writes nothing."""
    config = settings.entry_config(entry_of(settings, portfolio_id))
    first = replay_policy(config, changes)
    policies = [first] + [
        policy_from(item, config, f"compare[{index}]")
        if isinstance(item, str)
        else replay_policy(config, item)
        for index, item in enumerate(compare)
    ]
    history = replay_history(
        session=session,
        portfolio_id=portfolio_id,
        targets=config.targets,
        since=window.since,
        until=window.until,
    )
    return ReplayResponse(
        portfolio_id=portfolio_id,
        since=window.since,
        until=window.until,
        replays=[replay_out(replay(history, config.targets, p)) for p in policies],
    )


class PolicyIn(BaseModel):
    """Keys of the portfolio's policy to change; those left out are its own."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100, description="How the answer calls it")
    threshold: Decimal | None = Field(None, gt=0, le=100, allow_inf_nan=False)
    relative_threshold: Decimal | None = Field(None, gt=0, le=1, allow_inf_nan=False)
    drift_rule: DriftRule | None = Field(None, description="hybrid needs a relative_threshold")
    hybrid_floor: Decimal | None = Field(None, ge=0, le=100, allow_inf_nan=False)
    rebalance_to: RebalanceTo | None = None
    tolerance: Decimal | None = Field(None, ge=0, le=1, allow_inf_nan=False)
    min_trade: Decimal | None = Field(None, ge=0, lt=LIMIT, allow_inf_nan=False)
    cooldown: str | None = Field(
        None, pattern=DURATION_PATTERN, description="24h, 7d, 30d; at most 100 years"
    )
    escalation_step: Decimal | None = Field(None, ge=0, le=100, allow_inf_nan=False)
    send_resolved: bool | None = None

    def changes(self, where: str) -> PolicyChanges:
        return changes_of(self.model_dump(exclude_unset=True), where)


Preset = Literal["5pp", "5/25", "hybrid", "band-edge"]


class ReplayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str | None = Field(None, json_schema_extra=BOUND, description="From (inclusive)")
    until: str | None = Field(None, json_schema_extra=BOUND, description="Up to (exclusive)")
    policy: PolicyIn = Field(default_factory=PolicyIn, description="The first policy")
    compare: list[Preset | PolicyIn] = Field(
        [], max_length=10, description="More policies, side by side: presets or changes"
    )

    def compared(self) -> list[str | PolicyChanges]:
        return [
            item if isinstance(item, str) else item.changes(f"compare[{index}]")
            for index, item in enumerate(self.compare)
        ]
