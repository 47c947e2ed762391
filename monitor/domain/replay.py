"""Replay: what a policy would have sent over stored history. Pure: no I/O, no clock.

Each stored snapshot is rebuilt as the allocation it recorded (each leaf class's value, the
portfolio's value) and run, in order, through the daemon's own engine (``Allocator``), alert
policy (``decide``) and plan (``plan_rebalancing``) under the policy being tried. Every
account of a many-account entry is replayed on its own, as ticks decide them. The history
is what it was: an advised rebalance is not applied to later snapshots. Silences and
source failures are not replayed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import groupby
from operator import attrgetter

from monitor.domain.alerting import AlertPolicy, AlertState, decide
from monitor.domain.allocation import AllocationReport, Allocator, Holding
from monitor.domain.bands import DriftPolicy
from monitor.domain.numbers import ZERO, total
from monitor.domain.plans import PlanRequest, plan_rebalancing
from monitor.domain.targets import Targets
from monitor.errors import InputError

DAY = timedelta(days=1)
ADVISING = frozenset({"drifted", "escalated", "reminder"})  # the notices that carry a plan
KINDS = ("drifted", "escalated", "reminder", "resolved")


@dataclass(frozen=True, slots=True)
class Observation:
    """One stored snapshot as replay reads it: the value of each class holdings sit in."""

    portfolio_id: str
    taken_at: datetime
    portfolio_value: Decimal
    class_values: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class ReplayPolicy:
    """A policy to try: when a class breaches, when an alert goes, what a plan trades."""

    name: str
    drift: DriftPolicy
    alerts: AlertPolicy
    plan: PlanRequest = field(default_factory=PlanRequest)


@dataclass(frozen=True, slots=True)
class ReplayedAlert:
    portfolio_id: str
    at: datetime
    kind: str
    worst_drift: Decimal
    new_classes: tuple[str, ...] = ()
    turnover: Decimal = ZERO  # the advised plan's trades, in money (0 for resolved)


@dataclass(frozen=True, slots=True)
class AccountReplay:
    """One portfolio (or account) under one policy."""

    portfolio_id: str
    snapshots: int
    alerts: tuple[ReplayedAlert, ...]
    out_of_band: timedelta  # from each out-of-band snapshot to the next one
    largest_drift_let_stand: Decimal  # the worst drift of a snapshot no alert advised on

    @property
    def rebalances(self) -> int:
        return sum(a.kind in ADVISING for a in self.alerts)

    @property
    def turnover(self) -> Decimal:
        return total(a.turnover for a in self.alerts)

    @property
    def days_out_of_band(self) -> Decimal:
        return Decimal(self.out_of_band.total_seconds()) / Decimal(DAY.total_seconds())

    def count(self, kind: str) -> int:
        return sum(a.kind == kind for a in self.alerts)


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """One policy over every account of the history; totals are over the accounts."""

    policy: ReplayPolicy
    accounts: tuple[AccountReplay, ...]
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        counts = {kind: sum(a.count(kind) for a in self.accounts) for kind in KINDS}
        object.__setattr__(self, "counts", counts)

    @property
    def alerts(self) -> int:
        return sum(self.counts.values())

    @property
    def rebalances(self) -> int:
        return sum(a.rebalances for a in self.accounts)

    @property
    def turnover(self) -> Decimal:
        return total(a.turnover for a in self.accounts)

    @property
    def days_out_of_band(self) -> Decimal:
        return total(a.days_out_of_band for a in self.accounts)

    @property
    def largest_drift_let_stand(self) -> Decimal:
        return max((a.largest_drift_let_stand for a in self.accounts), default=ZERO)

    def worst_accounts(self, count: int = 5) -> tuple[AccountReplay, ...]:
        """The accounts longest out of band, then with the largest drift let stand."""
        ranked = sorted(
            self.accounts,
            key=lambda a: (-a.out_of_band, -a.largest_drift_let_stand, a.portfolio_id),
        )
        return tuple(ranked[:count])


def replay(history: Iterable[Observation], targets: Targets, policy: ReplayPolicy) -> ReplayResult:
    """``policy`` over ``history`` (any order: each account's snapshots are sorted by time)."""
    allocator = Allocator(targets, policy.drift)
    by_account = sorted(history, key=attrgetter("portfolio_id", "taken_at"))
    accounts = tuple(
        replay_account(pid, list(snapshots), allocator, policy)
        for pid, snapshots in groupby(by_account, key=attrgetter("portfolio_id"))
    )
    return ReplayResult(policy, accounts)


def replay_account(
    portfolio_id: str,
    snapshots: Sequence[Observation],
    allocator: Allocator,
    policy: ReplayPolicy,
) -> AccountReplay:
    state = AlertState()
    alerts: list[ReplayedAlert] = []
    out_of_band = timedelta(0)
    let_stand = ZERO
    for index, snapshot in enumerate(snapshots):
        report = allocation_of(snapshot, allocator)
        decision = decide(report, state, policy.alerts, snapshot.taken_at)
        state = decision.state
        advised = False
        for notice in decision.notices:
            advises = notice.kind in ADVISING
            advised = advised or advises
            alerts.append(
                ReplayedAlert(
                    portfolio_id,
                    snapshot.taken_at,
                    notice.kind,
                    report.worst_drift,
                    notice.new_classes,
                    turnover_of(report, policy.plan) if advises else ZERO,
                )
            )
        if not advised:
            let_stand = max(let_stand, report.worst_drift)
        if report.needs_rebalancing and index + 1 < len(snapshots):
            out_of_band += snapshots[index + 1].taken_at - snapshot.taken_at
    return AccountReplay(portfolio_id, len(snapshots), tuple(alerts), out_of_band, let_stand)


def allocation_of(snapshot: Observation, allocator: Allocator) -> AllocationReport:
    """The snapshot's allocation under the allocator's policy: one holding per class."""
    holdings = [Holding(klass, klass, value) for klass, value in snapshot.class_values.items()]
    try:
        return allocator.report(holdings, snapshot.portfolio_value)
    except InputError as error:
        raise InputError(
            "history", f"{snapshot.portfolio_id} at {snapshot.taken_at.isoformat()}: {error}"
        ) from None


def turnover_of(report: AllocationReport, request: PlanRequest) -> Decimal:
    """The money the plan trades: every trade's amount, bought and sold."""
    try:
        plan = plan_rebalancing(report, request)
    except InputError:  # a plan that cannot be made (the daemon's alert says so) trades 0
        return ZERO
    return total(trade.amount for trade in plan.trades)


def leaf_values(classes: Iterable[tuple[str, Decimal]], targets: Targets) -> dict[str, Decimal]:
    """Of a stored snapshot's classes, those holdings sit in (a parent's value is its
    children's), by the targets' tree."""
    return {name: value for name, value in classes if not targets.spec(name).children}
