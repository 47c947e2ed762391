"""A component failing again and again is said once, reminded of once a minute, and said
once more when it works again; only a bug carries a traceback."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from monitor.errors import StoreError
from monitor.runtime.outage_log import OutageLog
from tests.notify.world import Clock

DOWN = StoreError("cannot reach the database server at db:5432 (postgresql://db/m): refused")
log = logging.getLogger("tests.outage")


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 1, 5, 18, 0, tzinfo=UTC))


@pytest.fixture
def outages(clock: Clock, caplog: pytest.LogCaptureFixture) -> OutageLog:
    caplog.set_level(logging.INFO, logger=log.name)
    return OutageLog(log, clock=clock)


def said(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records]


def fail_every(outages: OutageLog, clock: Clock, seconds: int, times: int) -> None:
    for _ in range(times):
        clock.advance(timedelta(seconds=seconds))
        outages.failed("tick family", DOWN)


def test_the_first_failure_is_one_warning_line_with_the_cause_and_no_traceback(
    outages: OutageLog, caplog: pytest.LogCaptureFixture
) -> None:
    outages.failed("tick family", DOWN)
    assert said(caplog) == [("WARNING", f"tick family failing: {DOWN}")]
    assert caplog.records[0].exc_info is None


def test_failures_within_a_minute_say_nothing_more(
    outages: OutageLog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fail_every(outages, clock, 2, 30)  # 58 s after the first
    assert len(said(caplog)) == 1


def test_a_failure_a_minute_on_is_a_reminder_with_the_count_and_the_time(
    outages: OutageLog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fail_every(outages, clock, 2, 91)  # 180 s
    assert said(caplog)[1:] == [
        ("WARNING", f"tick family still failing, 31 times in 60s: {DOWN}"),
        ("WARNING", f"tick family still failing, 61 times in 120s: {DOWN}"),
        ("WARNING", f"tick family still failing, 91 times in 180s: {DOWN}"),
    ]


def test_working_again_is_said_once_with_how_long_it_failed(
    outages: OutageLog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fail_every(outages, clock, 2, 31)
    clock.advance(timedelta(seconds=2))
    outages.recovered("tick family")
    outages.recovered("tick family")
    assert said(caplog)[-1] == ("INFO", "tick family works again, after 62s and 31 failure(s)")
    assert len(said(caplog)) == 3


def test_working_without_having_failed_says_nothing(
    outages: OutageLog, caplog: pytest.LogCaptureFixture
) -> None:
    outages.recovered("tick family")
    assert said(caplog) == []


def test_components_fail_and_recover_each_on_its_own(
    outages: OutageLog, caplog: pytest.LogCaptureFixture
) -> None:
    outages.failed("tick family", DOWN)
    outages.failed("outbox drain", DOWN)
    outages.recovered("outbox drain")
    outages.failed("tick family", DOWN)
    assert [message.split(",")[0] for _, message in said(caplog)] == [
        f"tick family failing: {DOWN}",
        f"outbox drain failing: {DOWN}",
        "outbox drain works again",
    ]


def test_a_bug_is_an_error_with_its_traceback_when_said_and_nothing_between(
    outages: OutageLog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    bug = KeyError("stocks")
    for _ in range(31):
        outages.failed("tick family", bug)
        clock.advance(timedelta(seconds=2))
    assert said(caplog) == [
        ("ERROR", "tick family failing: KeyError: 'stocks'"),
        ("ERROR", "tick family still failing, 31 times in 60s: KeyError: 'stocks'"),
    ]
    assert all(record.exc_info for record in caplog.records)


def test_every_failure_is_at_debug_with_its_traceback(
    outages: OutageLog, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=log.name)
    fail_every(outages, clock, 2, 3)
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(debug) == 3
    assert all(record.exc_info for record in debug)
