"""Every transition of the alert policy, with an injected clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from monitor.domain.alerting import AlertPolicy, AlertState, SourceFailure, decide
from monitor.domain.allocation import AllocationReport
from tests.domain.drift_reports import (
    CASH_TOO,
    IN_BAND,
    STOCKS_A_BIT_HIGHER,
    STOCKS_HIGH,
    STOCKS_HIGHER,
    T0,
    report,
)

POLICY = AlertPolicy(cooldown=timedelta(hours=24), escalation_step=Decimal(5), stale_after=3)
FAILED = SourceFailure("csv holdings.csv: file not found")


def kinds(
    observation: AllocationReport | SourceFailure, state: AlertState, at: datetime
) -> list[str]:
    return [n.kind for n in decide(observation, state, POLICY, at).notices]


def drifted_at(at: datetime) -> AlertState:
    return decide(STOCKS_HIGH, AlertState(), POLICY, at).state


def test_in_band_to_drifted_alerts_now() -> None:
    decision = decide(STOCKS_HIGH, AlertState(), POLICY, T0)
    assert [n.kind for n in decision.notices] == ["drifted"]
    assert decision.state.drift_state == "drifted"
    assert decision.state.notified_classes == {"stocks", "bonds"}
    assert decision.state.drifted_since == T0


def test_in_band_stays_silent() -> None:
    decision = decide(IN_BAND, AlertState(), POLICY, T0)
    assert decision.notices == ()
    assert decision.state == AlertState()


def test_drifted_within_the_cooldown_is_silent() -> None:
    state = drifted_at(T0)
    decision = decide(STOCKS_HIGH, state, POLICY, T0 + timedelta(hours=23, minutes=59))
    assert decision.notices == ()
    assert decision.state == state


def test_drifted_after_the_cooldown_reminds() -> None:
    state = drifted_at(T0)
    later = T0 + timedelta(hours=24)
    decision = decide(STOCKS_HIGH, state, POLICY, later)
    assert [n.kind for n in decision.notices] == ["reminder"]
    assert decision.state.last_notified_at == later
    assert decision.state.drifted_since == T0


def test_a_new_breaching_class_escalates_within_the_cooldown() -> None:
    decision = decide(CASH_TOO, drifted_at(T0), POLICY, T0 + timedelta(hours=1))
    assert [(n.kind, n.new_classes) for n in decision.notices] == [("escalated", ("cash",))]


def test_drift_growing_by_the_escalation_step_escalates_within_the_cooldown() -> None:
    assert kinds(STOCKS_HIGHER, drifted_at(T0), T0 + timedelta(hours=1)) == ["escalated"]


def test_drift_growing_by_less_than_the_step_stays_silent() -> None:
    assert kinds(STOCKS_A_BIT_HIGHER, drifted_at(T0), T0 + timedelta(hours=1)) == []


def test_small_growths_add_up_to_an_escalation_from_the_last_notice() -> None:
    state = drifted_at(T0)
    for step, stocks in enumerate(["72", "74", "76"], start=1):
        decision = decide(
            report(stocks, str(90 - int(stocks)), "10"), state, POLICY, T0 + timedelta(hours=step)
        )
        state = decision.state
    assert [n.kind for n in decision.notices] == ["escalated"]


def test_escalation_step_zero_turns_growth_escalation_off() -> None:
    policy = replace(POLICY, escalation_step=Decimal(0))
    state = decide(STOCKS_HIGH, AlertState(), policy, T0).state
    assert decide(STOCKS_HIGHER, state, policy, T0 + timedelta(hours=1)).notices == ()


def test_back_in_band_sends_one_resolved_notice_and_clears_the_cooldown() -> None:
    decision = decide(IN_BAND, drifted_at(T0), POLICY, T0 + timedelta(hours=1))
    assert [n.kind for n in decision.notices] == ["resolved"]
    assert decision.state.drift_state == "in_band"
    assert decision.state.last_notified_at is None
    assert decision.state.notified_classes == frozenset()
    again = decide(STOCKS_HIGH, decision.state, POLICY, T0 + timedelta(hours=2))
    assert [n.kind for n in again.notices] == ["drifted"]


def test_resolved_notices_can_be_turned_off() -> None:
    policy = replace(POLICY, send_resolved=False)
    state = decide(STOCKS_HIGH, AlertState(), policy, T0).state
    decision = decide(IN_BAND, state, policy, T0 + timedelta(hours=1))
    assert decision.notices == ()
    assert decision.state.drift_state == "in_band"


@pytest.mark.parametrize(("failures", "expected"), [(1, []), (2, []), (3, ["stale"])])
def test_the_source_failing_n_ticks_in_a_row_alerts_stale_data(
    failures: int, expected: list[str]
) -> None:
    state = AlertState()
    for tick in range(failures):
        decision = decide(FAILED, state, POLICY, T0 + timedelta(minutes=tick))
        state = decision.state
    assert [n.kind for n in decision.notices] == expected
    assert state.consecutive_failures == failures
    assert state.last_error == "csv holdings.csv: file not found"


def test_stale_data_has_its_own_cooldown() -> None:
    state = replace(AlertState(), consecutive_failures=2)
    state = decide(FAILED, state, POLICY, T0).state
    assert state.status == "source_failing"
    assert kinds(FAILED, state, T0 + timedelta(hours=23)) == []
    assert kinds(FAILED, state, T0 + timedelta(hours=24)) == ["stale"]


def test_a_failure_keeps_the_drift_state() -> None:
    state = drifted_at(T0)
    decision = decide(FAILED, state, POLICY, T0 + timedelta(hours=1))
    assert decision.state.drift_state == "drifted"
    assert decision.state.notified_classes == state.notified_classes


def test_data_flowing_again_after_a_stale_alert_sends_a_recovery_notice() -> None:
    state = decide(FAILED, replace(AlertState(), consecutive_failures=2), POLICY, T0).state
    decision = decide(IN_BAND, state, POLICY, T0 + timedelta(hours=1))
    assert [n.kind for n in decision.notices] == ["recovered"]
    assert decision.state.source_state == "ok"
    assert decision.state.consecutive_failures == 0


def test_recovery_and_a_drift_alert_can_come_in_one_tick() -> None:
    state = decide(FAILED, replace(AlertState(), consecutive_failures=2), POLICY, T0).state
    assert kinds(STOCKS_HIGH, state, T0 + timedelta(hours=1)) == ["recovered", "drifted"]


def test_a_success_before_the_stale_limit_resets_the_count_silently() -> None:
    state = decide(FAILED, AlertState(), POLICY, T0).state
    decision = decide(IN_BAND, state, POLICY, T0 + timedelta(minutes=1))
    assert decision.notices == ()
    assert decision.state.consecutive_failures == 0


def test_a_recovery_notice_says_how_many_ticks_failed() -> None:
    state = AlertState()
    for minute in range(4):
        state = decide(FAILED, state, POLICY, T0 + timedelta(minutes=minute)).state
    decision = decide(IN_BAND, state, POLICY, T0 + timedelta(hours=1))
    assert [(n.kind, n.failures) for n in decision.notices] == [("recovered", 4)]


def failing_for(ticks: int) -> AlertState:
    state = AlertState()
    for tick in range(ticks):
        state = decide(FAILED, state, POLICY, T0 + timedelta(minutes=tick)).state
    return state


def drifted_then_failing(ticks: int) -> AlertState:
    state = drifted_at(T0)
    for tick in range(ticks):
        state = decide(FAILED, state, POLICY, T0 + timedelta(minutes=tick)).state
    return state


HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)

# Every transition of the policy, as (previous state, observation, time since T0) ->
# (notices, status afterwards). The tests above pin down the details of each row.
TRANSITIONS = [
    pytest.param(AlertState(), IN_BAND, HOUR, [], "in_band", id="in band stays silent"),
    pytest.param(AlertState(), STOCKS_HIGH, HOUR, ["drifted"], "drifted", id="in band to drifted"),
    pytest.param(drifted_at(T0), STOCKS_HIGH, HOUR, [], "drifted", id="drifted in cooldown"),
    pytest.param(
        drifted_at(T0), STOCKS_A_BIT_HIGHER, HOUR, [], "drifted", id="grew less than the step"
    ),
    pytest.param(
        drifted_at(T0), STOCKS_HIGHER, HOUR, ["escalated"], "drifted", id="grew by the step"
    ),
    pytest.param(drifted_at(T0), CASH_TOO, HOUR, ["escalated"], "drifted", id="new class"),
    pytest.param(drifted_at(T0), STOCKS_HIGH, DAY, ["reminder"], "drifted", id="after cooldown"),
    pytest.param(drifted_at(T0), IN_BAND, HOUR, ["resolved"], "in_band", id="back in band"),
    pytest.param(AlertState(), FAILED, HOUR, [], "in_band", id="first failure is silent"),
    pytest.param(failing_for(2), FAILED, HOUR, ["stale"], "source_failing", id="stale after 3"),
    pytest.param(failing_for(3), FAILED, HOUR, [], "source_failing", id="stale in its cooldown"),
    pytest.param(
        failing_for(3), FAILED, DAY + HOUR, ["stale"], "source_failing", id="stale again after it"
    ),
    pytest.param(failing_for(2), IN_BAND, HOUR, [], "in_band", id="recovers before stale"),
    pytest.param(failing_for(3), IN_BAND, HOUR, ["recovered"], "in_band", id="recovery notice"),
    pytest.param(
        failing_for(3),
        STOCKS_HIGH,
        HOUR,
        ["recovered", "drifted"],
        "drifted",
        id="recovery and drift together",
    ),
    pytest.param(
        drifted_then_failing(3), FAILED, HOUR, [], "source_failing", id="failing keeps drift"
    ),
    pytest.param(
        drifted_then_failing(3),
        IN_BAND,
        HOUR,
        ["recovered", "resolved"],
        "in_band",
        id="recovers in band after drifting",
    ),
]


@pytest.mark.parametrize(("previous", "observation", "after", "notices", "status"), TRANSITIONS)
def test_every_transition_of_the_policy(
    previous: AlertState,
    observation: AllocationReport | SourceFailure,
    after: timedelta,
    notices: list[str],
    status: str,
) -> None:
    decision = decide(observation, previous, POLICY, T0 + after)
    assert [n.kind for n in decision.notices] == notices
    assert decision.state.status == status


def test_a_class_breaching_again_in_the_same_episode_is_not_new() -> None:
    state = decide(CASH_TOO, drifted_at(T0), POLICY, T0 + HOUR).state  # cash alerted
    state = decide(STOCKS_HIGH, state, POLICY, T0 + 2 * HOUR).state  # cash back in band
    assert kinds(CASH_TOO, state, T0 + 3 * HOUR) == []


def test_escalation_restarts_the_cooldown_for_reminders() -> None:
    escalated = decide(STOCKS_HIGHER, drifted_at(T0), POLICY, T0 + 12 * HOUR).state
    assert kinds(STOCKS_HIGHER, escalated, T0 + DAY) == []
    assert kinds(STOCKS_HIGHER, escalated, T0 + 12 * HOUR + DAY) == ["reminder"]


def test_no_recovery_notice_when_resolved_notices_are_off() -> None:
    policy = replace(POLICY, send_resolved=False)
    state = failing_for(3)
    decision = decide(IN_BAND, state, policy, T0 + HOUR)
    assert decision.notices == ()
    assert decision.state.status == "in_band"
