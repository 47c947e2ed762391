"""Silences and acknowledgements in the alert policy, over hand-made timelines."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from monitor.domain.alerting import AlertDecision, AlertPolicy, AlertState, decide
from monitor.domain.silences import Acknowledgement, Matcher, Quiet, Silence, quiet_for
from monitor.errors import InputError
from tests.domain.drift_reports import (
    CASH_TOO,
    IN_BAND,
    STOCKS_HIGH,
    STOCKS_HIGHER,
    T0,
    report,
)

DAY = timedelta(days=1)
POLICY = AlertPolicy(cooldown=DAY, escalation_step=Decimal(5))


def silence(
    days: int = 7,
    *,
    portfolio: str = "family",
    asset_class: str | None = None,
    all: bool = False,
    sid: int = 1,
    start: datetime = T0,
) -> Silence:
    return Silence(
        sid,
        Matcher(portfolio, asset_class),
        start,
        start + days * DAY,
        "waiting for the bonus",
        "ann",
        all,
    )


def quiet(*silences: Silence, ack: Acknowledgement | None = None) -> Quiet:
    return quiet_for("family", silences, ack)


def drifted_at(at: datetime) -> AlertState:
    return decide(STOCKS_HIGH, AlertState(), POLICY, at).state


def kinds(decision: AlertDecision) -> list[str]:
    return [n.kind for n in decision.notices]


def held(decision: AlertDecision) -> list[tuple[str, str]]:
    return [(s.notice.kind, s.by) for s in decision.suppressed]


def test_a_reminder_inside_a_silence_is_held_back_and_recorded() -> None:
    state = drifted_at(T0 - 2 * DAY)
    decision = decide(STOCKS_HIGH, state, POLICY, T0 + DAY, quiet(silence()))
    assert kinds(decision) == []
    assert held(decision) == [("reminder", "silence 1")]
    # Paced as if sent: the next one is due a cooldown later, not at the next tick.
    assert decision.state.last_notified_at == T0 + DAY
    assert decide(STOCKS_HIGH, decision.state, POLICY, T0 + DAY * 1.5, quiet(silence())) == (
        AlertDecision(decision.state)
    )
    assert held(decide(STOCKS_HIGH, decision.state, POLICY, T0 + 2 * DAY, quiet(silence()))) == [
        ("reminder", "silence 1")
    ]


def test_a_held_back_reminder_keeps_the_growth_measured_from_what_was_told() -> None:
    state = drifted_at(T0 - 2 * DAY)  # told: worst drift 10
    a_bit_higher = report("74", "16", "10")  # 14: grown 4
    inside = decide(a_bit_higher, state, POLICY, T0 + DAY, quiet(silence()))
    assert held(inside) == [("reminder", "silence 1")]
    assert inside.state.notified_worst_drift == 10
    grown = decide(STOCKS_HIGHER, inside.state, POLICY, T0 + DAY * 1.5, quiet(silence()))
    assert kinds(grown) == ["escalated"]  # 16: grown 6 since the 10 told


def test_an_escalation_breaks_through_a_silence() -> None:
    state = drifted_at(T0 - 2 * DAY)
    decision = decide(STOCKS_HIGHER, state, POLICY, T0 + DAY, quiet(silence()))
    assert kinds(decision) == ["escalated"]
    assert decision.suppressed == ()


def test_a_silence_for_all_holds_back_an_escalation_once_and_its_end_reminds() -> None:
    state = drifted_at(T0 - 2 * DAY)
    muted = quiet(silence(all=True))
    inside = decide(CASH_TOO, state, POLICY, T0 + DAY, muted)
    assert held(inside) == [("escalated", "silence 1")]
    assert decide(CASH_TOO, inside.state, POLICY, T0 + DAY * 1.5, muted).suppressed == ()
    # Ended at day 7, within the cooldown of the escalation held back at day 6.5.
    late = decide(CASH_TOO, inside.state, POLICY, T0 + DAY * 6.5, muted)
    assert held(late) == [("reminder", "silence 1")]
    after = decide(CASH_TOO, late.state, POLICY, T0 + DAY * 7.25, muted)
    assert kinds(after) == ["reminder"]


def test_a_first_alert_breaks_through_unless_the_silence_is_for_all() -> None:
    assert kinds(decide(STOCKS_HIGH, AlertState(), POLICY, T0 + DAY, quiet(silence()))) == [
        "drifted"
    ]
    muted = decide(STOCKS_HIGH, AlertState(), POLICY, T0 + DAY, quiet(silence(all=True)))
    assert held(muted) == [("drifted", "silence 1")]
    assert muted.state.drift_state == "drifted"
    assert muted.state.drifted_since == T0 + DAY


def test_a_resolved_notice_is_never_held_back() -> None:
    state = drifted_at(T0 - 2 * DAY)
    decision = decide(IN_BAND, state, POLICY, T0 + DAY, quiet(silence(all=True)))
    assert kinds(decision) == ["resolved"]


def test_when_a_silence_ends_still_drifted_one_reminder_goes_out_at_once() -> None:
    # Cooldown 30 days: without the silence, the next reminder would wait for day 28.
    policy = AlertPolicy(cooldown=30 * DAY)
    state = decide(STOCKS_HIGH, AlertState(), policy, T0 - 2 * DAY).state
    ended = quiet(silence(7))
    inside = decide(STOCKS_HIGH, state, policy, T0 + 6 * DAY, ended)
    assert kinds(inside) == []
    assert inside.suppressed == ()  # nothing was due: nothing held back
    first = decide(STOCKS_HIGH, inside.state, policy, T0 + 7 * DAY, ended)
    assert kinds(first) == ["reminder"]
    assert first.state.last_notified_at == T0 + 7 * DAY
    assert kinds(decide(STOCKS_HIGH, first.state, policy, T0 + 8 * DAY, ended)) == []


def test_a_silence_ended_in_band_sends_nothing() -> None:
    assert kinds(decide(IN_BAND, AlertState(), POLICY, T0 + 8 * DAY, quiet(silence(7)))) == []


def test_a_class_silence_holds_back_only_reminders_about_that_class_alone() -> None:
    state = drifted_at(T0 - 2 * DAY)  # stocks and bonds breach
    stocks_only = quiet(silence(asset_class="stocks"))
    assert kinds(decide(STOCKS_HIGH, state, POLICY, T0 + DAY, stocks_only)) == ["reminder"]
    both = quiet(silence(asset_class="stocks"), silence(asset_class="bonds", sid=2))
    assert held(decide(STOCKS_HIGH, state, POLICY, T0 + DAY, both)) == [
        ("reminder", "silence 1, silence 2")
    ]


def test_a_glob_matches_every_account_under_it() -> None:
    clients = silence(portfolio="clients/*")
    assert quiet_for("clients/acct-17", [clients]).silences == (clients,)
    assert quiet_for("family", [clients]).silences == ()


def test_a_silence_not_yet_started_or_over_holds_nothing_back() -> None:
    state = drifted_at(T0 - 2 * DAY)
    later = quiet(silence(start=T0 + 5 * DAY))
    assert kinds(decide(STOCKS_HIGH, state, POLICY, T0 + DAY, later)) == ["reminder"]


@pytest.mark.parametrize(
    ("portfolio", "asset_class", "field"),
    [(" ", None, "portfolio"), ("x" * 201, None, "portfolio"), ("family", "", "class")],
)
def test_a_bad_matcher_names_its_field(portfolio: str, asset_class: str | None, field: str) -> None:
    with pytest.raises(InputError) as error:
        Matcher(portfolio, asset_class)
    assert error.value.field == field


def acknowledgement(state: AlertState) -> Acknowledgement:
    assert state.drifted_since is not None
    return Acknowledgement(
        1,
        "family",
        42,
        state.drifted_since,
        state.notified_classes,
        state.notified_worst_drift,
        T0,
        "ann",
    )


def test_an_acknowledgement_holds_back_reminders_while_the_drift_state_stays() -> None:
    state = drifted_at(T0 - 2 * DAY)
    acked = quiet(ack=acknowledgement(state))
    first = decide(STOCKS_HIGH, state, POLICY, T0, acked)
    assert held(first) == [("reminder", "acknowledgement of alert 42")]
    assert held(decide(STOCKS_HIGH, first.state, POLICY, T0 + 9 * DAY, acked)) == [
        ("reminder", "acknowledgement of alert 42")
    ]


def test_an_acknowledgement_ends_when_the_drift_state_changes() -> None:
    state = drifted_at(T0 - 2 * DAY)
    acked = quiet(ack=acknowledgement(state))
    grew = decide(STOCKS_HIGHER, state, POLICY, T0, acked)
    assert kinds(grew) == ["escalated"]
    assert kinds(decide(STOCKS_HIGHER, grew.state, POLICY, T0 + 2 * DAY, acked)) == ["reminder"]
    resolved = decide(IN_BAND, state, POLICY, T0, acked)
    again = decide(STOCKS_HIGH, resolved.state, POLICY, T0 + DAY, acked)
    assert kinds(again) == ["drifted"]
    assert kinds(decide(STOCKS_HIGH, again.state, POLICY, T0 + 3 * DAY, acked)) == ["reminder"]
