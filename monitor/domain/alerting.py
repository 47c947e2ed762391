"""The alert policy: (observation, previous state, policy, now) -> (new state, notices).

Pure: no I/O and no clock; the caller passes ``now`` and persists the returned state in the
same transaction as the snapshot, so a restart neither re-alerts nor forgets.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from monitor.domain.allocation import AllocationReport
from monitor.domain.silences import NO_QUIET, Quiet

DriftState = Literal["in_band", "drifted"]
SourceState = Literal["ok", "failing"]
NoticeKind = Literal["drifted", "escalated", "reminder", "resolved", "stale", "recovered"]


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    cooldown: timedelta = timedelta(hours=24)
    # 0 turns escalation by growth off; a newly breaching class still escalates.
    escalation_step: Decimal = Decimal(5)
    send_resolved: bool = True
    stale_after: int = 3
    stale_cooldown: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class AlertState:
    """What the policy remembers of one portfolio between ticks.

    ``notified_classes`` are the classes already alerted in the current drift episode and
    ``notified_worst_drift`` the worst drift at the last notice: the baselines for "a new
    class breaches" and "the drift grew by the escalation step".
    """

    drift_state: DriftState = "in_band"
    notified_classes: frozenset[str] = frozenset()
    notified_worst_drift: Decimal = Decimal(0)
    drifted_since: datetime | None = None
    last_notified_at: datetime | None = None
    source_state: SourceState = "ok"
    consecutive_failures: int = 0
    stale_notified_at: datetime | None = None
    last_error: str | None = None

    @property
    def status(self) -> Literal["in_band", "drifted", "source_failing"]:
        return "source_failing" if self.source_state == "failing" else self.drift_state


@dataclass(frozen=True, slots=True)
class SourceFailure:
    """A tick whose holdings could not be fetched or used."""

    reason: str


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    new_classes: tuple[str, ...] = ()
    failures: int = 0  # stale and recovered: how many ticks failed in a row


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A notice a silence or an acknowledgement held back, and which one (``silence 3``)."""

    notice: Notice
    by: str


@dataclass(frozen=True, slots=True)
class AlertDecision:
    state: AlertState
    notices: tuple[Notice, ...] = field(default=())
    suppressed: tuple[Suppressed, ...] = field(default=())


def decide(
    observation: AllocationReport | SourceFailure,
    previous: AlertState,
    policy: AlertPolicy,
    now: datetime,
    quiet: Quiet = NO_QUIET,
) -> AlertDecision:
    """The decision for one observation; ``quiet``: the silences and acknowledgement that
    apply to the portfolio (see ``monitor.domain.silences``)."""
    if isinstance(observation, SourceFailure):
        return decide_source_failure(observation, previous, policy, now)
    recovered = decide_source_recovery(previous, policy)
    drift = decide_drift(observation, recovered.state, policy, now)
    if quiet is not NO_QUIET:
        drift = silenced(drift, observation, recovered.state, now, quiet)
    return AlertDecision(drift.state, recovered.notices + drift.notices, drift.suppressed)


def decide_source_failure(
    failure: SourceFailure, previous: AlertState, policy: AlertPolicy, now: datetime
) -> AlertDecision:
    """Count the failure; at ``stale_after`` in a row, say the data is stale (with its own
    cooldown). The drift state is left alone: the last good snapshot still stands."""
    failures = previous.consecutive_failures + 1
    state = replace(previous, consecutive_failures=failures, last_error=failure.reason)
    if failures < policy.stale_after:
        return AlertDecision(state)
    if previous.source_state == "failing":
        last = previous.stale_notified_at
        if last is not None and now - last < policy.stale_cooldown:
            return AlertDecision(state)
    return AlertDecision(
        replace(state, source_state="failing", stale_notified_at=now),
        (Notice("stale", failures=failures),),
    )


def decide_source_recovery(previous: AlertState, policy: AlertPolicy) -> AlertDecision:
    state = replace(previous, consecutive_failures=0, last_error=None)
    if previous.source_state != "failing":
        return AlertDecision(state)
    state = replace(state, source_state="ok", stale_notified_at=None)
    recovered = Notice("recovered", failures=previous.consecutive_failures)
    return AlertDecision(state, (recovered,) if policy.send_resolved else ())


def decide_drift(
    report: AllocationReport, previous: AlertState, policy: AlertPolicy, now: datetime
) -> AlertDecision:
    # A currency past its target's band counts as a class does (named apart from classes).
    breaching = frozenset(c.asset_class for c in report.breaching) | frozenset(
        f"currency {e.currency}" for e in report.currency_breaches
    )
    if not breaching:
        if previous.drift_state == "in_band":
            return AlertDecision(previous)
        back = replace(
            previous,
            drift_state="in_band",
            notified_classes=frozenset(),
            notified_worst_drift=Decimal(0),
            drifted_since=None,
            last_notified_at=None,
        )
        return AlertDecision(back, (Notice("resolved"),) if policy.send_resolved else ())

    worst = report.worst_drift
    notified = replace(
        previous,
        drift_state="drifted",
        notified_classes=previous.notified_classes | breaching,
        notified_worst_drift=worst,
        last_notified_at=now,
    )
    if previous.drift_state == "in_band":
        return AlertDecision(replace(notified, drifted_since=now), (Notice("drifted"),))

    new_classes = tuple(sorted(breaching - previous.notified_classes))
    grew = worst - previous.notified_worst_drift
    if new_classes or (policy.escalation_step > 0 and grew >= policy.escalation_step):
        return AlertDecision(notified, (Notice("escalated", new_classes),))
    last = previous.last_notified_at
    if last is None or now - last >= policy.cooldown:
        return AlertDecision(notified, (Notice("reminder"),))
    return AlertDecision(previous)


NEWS = frozenset({"drifted", "escalated"})


def silenced(
    decision: AlertDecision,
    report: AllocationReport,
    previous: AlertState,
    now: datetime,
    quiet: Quiet,
) -> AlertDecision:
    """``decision`` with its drift notice held back if ``quiet`` says so.

    A held-back notice is paced as a sent one (the cooldown runs from it), so a silence
    records one per cooldown, not one per tick. A held-back reminder keeps the worst drift
    last told as the baseline of growth (and of an acknowledgement). A reminder goes out
    at once when a silence has ended since the last notice, held back or sent."""
    breaching = frozenset(c.asset_class for c in report.breaching)
    if not decision.notices:
        if (
            previous.drift_state == "drifted"
            and breaching
            and quiet.ended_between(previous.last_notified_at, now)
            and holding_back(quiet, previous, breaching, now, news=False) is None
        ):
            told = replace(
                decision.state,
                notified_classes=previous.notified_classes | breaching,
                notified_worst_drift=report.worst_drift,
                last_notified_at=now,
            )
            return AlertDecision(told, (Notice("reminder"),))
        return decision
    notice = decision.notices[0]
    if notice.kind == "resolved":
        return decision
    concerned = notice.new_classes or breaching
    by = holding_back(quiet, previous, concerned, now, news=notice.kind in NEWS)
    if by is None:
        return decision
    state = decision.state
    if notice.kind == "reminder":
        state = replace(state, notified_worst_drift=previous.notified_worst_drift)
    return AlertDecision(state, (), (Suppressed(notice, by),))


def holding_back(
    quiet: Quiet, previous: AlertState, classes: Collection[str], now: datetime, *, news: bool
) -> str | None:
    """What holds back a notice about ``classes``: a silence, or (a reminder only) the
    acknowledgement, while the drift state is the one acknowledged."""
    by = quiet.silencing(classes, now, news=news)
    ack = quiet.acknowledgement
    if by is not None or news or ack is None:
        return by
    same = (
        previous.drift_state == "drifted"
        and previous.drifted_since == ack.drifted_since
        and previous.notified_classes == ack.notified_classes
        and previous.notified_worst_drift == ack.notified_worst_drift
    )
    return f"acknowledgement of alert {ack.alert_id}" if same else None
