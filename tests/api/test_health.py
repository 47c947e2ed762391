"""/healthz says the process is up; /readyz whether it does its job, and what it lacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.api.app import create_app
from monitor.runtime.metrics import DaemonMetrics
from monitor.runtime.scheduler import Daemon
from monitor.settings import Settings
from monitor.store.engine import make_engine, session_factory
from monitor.store.ticks import claim_tick, mark_skipped_slot
from monitor.store.transactions import write_transaction
from tests.fixtures.daemon import wait_until
from tests.fixtures.operations import DRIFTED_CSV, WriteConfig
from tests.fixtures.sinks import free_port

DaemonFor = Callable[[Settings], Daemon]
SLOT = datetime(2024, 3, 1, 12, tzinfo=UTC)


@dataclass
class FakeScheduler:
    """The two things the routes read of a daemon; ``running`` set by the test."""

    running: bool = True
    metrics: DaemonMetrics = field(default_factory=DaemonMetrics)


def ready(client: TestClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def check(body: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in body["checks"] if c["name"] == name)
    return found


def test_healthz_answers_ok_without_a_database() -> None:
    response = TestClient(create_app(Settings())).get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_an_api_without_a_database_is_not_ready() -> None:
    status, body = ready(TestClient(create_app(Settings())))
    assert status == 503
    assert body["status"] == "not ready"
    assert body["not_ready"] == ["database"]


def test_an_api_alone_is_ready_when_its_database_answers(engine: Engine) -> None:
    status, body = ready(TestClient(create_app(Settings(), engine=engine)))
    assert status == 200, body
    assert body == {
        "status": "ready",
        "checks": [{"name": "database", "ok": True, "detail": "reachable"}],
    }


def test_an_unreachable_database_is_not_ready_and_says_why() -> None:
    engine = make_engine(f"postgresql+psycopg://monitor@127.0.0.1:{free_port()}/gone")
    status, body = ready(TestClient(create_app(Settings(), engine=engine)))
    engine.dispose()
    assert status == 503
    assert body["not_ready"] == ["database"]
    assert "127.0.0.1" in check(body, "database")["detail"]


def test_a_daemon_whose_entries_ticked_this_period_is_ready(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV, "calm": DRIFTED_CSV})
    daemon = daemon_for(settings)
    for entry in settings.portfolios:
        daemon.tick(entry)
    status, body = ready(TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler())))
    assert status == 200, body
    assert [c["name"] for c in body["checks"]] == [
        "database",
        "scheduler",
        "ticks/family",
        "ticks/calm",
    ]
    assert "limit 7260s" in check(body, "ticks/family")["detail"]  # 2 x 1h + 1 min


def test_a_daemon_that_stopped_turns_ready_into_not_ready(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV})
    daemon = daemon_for(settings)
    client = TestClient(create_app(settings, engine=engine, scheduler=daemon))
    daemon.start()  # its first tick runs at once
    wait_until(lambda: ready(client)[0] == 200, "the started daemon to be ready", timeout=30)
    daemon.stop()
    status, body = ready(client)
    assert status == 503
    assert body["not_ready"] == ["scheduler"]
    assert check(body, "scheduler") == {"name": "scheduler", "ok": False, "detail": "stopped"}


def test_an_entry_that_never_ticked_is_not_ready(write_config: WriteConfig, engine: Engine) -> None:
    settings = write_config({"family": DRIFTED_CSV})
    status, body = ready(TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler())))
    assert status == 503
    assert body["not_ready"] == ["ticks/family"]
    assert check(body, "ticks/family")["detail"] == "no tick yet"


def test_an_entry_is_ready_after_one_missed_slot_and_not_after_two(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, every="1h")
    with time_machine.travel(SLOT + timedelta(seconds=5), tick=False):
        daemon_for(settings).tick(settings.portfolios[0])
    client = TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler()))
    with time_machine.travel(SLOT + timedelta(hours=2), tick=False):  # 13:00 missed
        assert ready(client)[0] == 200
    with time_machine.travel(SLOT + timedelta(hours=2, minutes=2), tick=False):  # and 14:00
        status, body = ready(client)
    assert status == 503
    assert body["not_ready"] == ["ticks/family"]


def test_an_entry_whose_ticks_all_fail_is_not_ready_with_the_last_error(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Any
) -> None:
    settings = write_config({"family": DRIFTED_CSV})
    (tmp_path / "family.csv").unlink()
    with time_machine.travel(SLOT + timedelta(seconds=5), tick=False):
        daemon_for(settings).tick(settings.portfolios[0])
        status, body = ready(
            TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler()))
        )
    assert status == 503
    assert body["not_ready"] == ["ticks/family"]
    assert check(body, "ticks/family")["detail"] == (
        "no successful tick yet; latest tick scheduled 2024-03-01T12:00:00+00:00 (failed): "
        f"csv {tmp_path / 'family.csv'}: file not found"
    )


def test_ticks_failing_for_one_period_are_tolerated_and_for_two_are_not(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Any
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, every="1h")
    daemon = daemon_for(settings)
    with time_machine.travel(SLOT + timedelta(seconds=5), tick=False):
        daemon.tick(settings.portfolios[0])  # ok
    (tmp_path / "family.csv").unlink()
    for hours in (1, 2):
        with time_machine.travel(SLOT + timedelta(hours=hours, seconds=5), tick=False):
            daemon.tick(settings.portfolios[0])  # failed
    client = TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler()))
    with time_machine.travel(SLOT + timedelta(hours=2, seconds=10), tick=False):
        status, body = ready(client)
    assert status == 200, body
    with time_machine.travel(SLOT + timedelta(hours=2, minutes=2), tick=False):
        status, body = ready(client)
    assert status == 503
    assert body["not_ready"] == ["ticks/family"]
    assert check(body, "ticks/family")["detail"] == (
        "latest successful tick scheduled 2024-03-01T12:00:00+00:00, 7320s ago; limit 7260s; "
        "latest tick scheduled 2024-03-01T14:00:00+00:00 (failed): "
        f"csv {tmp_path / 'family.csv'}: file not found"
    )


def test_an_entry_whose_ticks_never_finish_is_not_ready(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, every="1h")
    with time_machine.travel(SLOT + timedelta(seconds=5), tick=False):
        daemon_for(settings).tick(settings.portfolios[0])  # ok
    sessions = session_factory(engine)
    for hours in (1, 2):  # claimed, then stuck: a tick left "running"
        with write_transaction(sessions) as session:
            claim_tick(
                session=session,
                portfolio_id="family",
                scheduled_at=SLOT + timedelta(hours=hours),
                started_at=SLOT + timedelta(hours=hours, seconds=1),
            )
    client = TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler()))
    with time_machine.travel(SLOT + timedelta(hours=2, minutes=2), tick=False):
        status, body = ready(client)
    assert status == 503
    assert check(body, "ticks/family")["detail"].endswith(
        "; latest tick scheduled 2024-03-01T14:00:00+00:00 (running)"
    )


def test_a_partial_ticks_reason_is_shown_while_the_entry_is_ready(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    """An account left out (its unclassified symbols, say) is named though the rest ticks."""
    settings = write_config(
        {"family": "account,symbol,asset_class,value\na,VTI,stocks,100\nb,BND,bonds,0\n"}
    )
    with time_machine.travel(SLOT + timedelta(seconds=5), tick=False):
        daemon_for(settings).tick(settings.portfolios[0])
        status, body = ready(
            TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler()))
        )
    assert status == 200
    assert (
        "latest tick scheduled 2024-03-01T12:00:00+00:00 (partial): family/b: "
        in check(body, "ticks/family")["detail"]
    )


def test_skipped_slots_are_no_ticks_to_readiness(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, every="1h")
    with time_machine.travel(SLOT + timedelta(seconds=5), tick=False):
        daemon_for(settings).tick(settings.portfolios[0])  # ok
    sessions = session_factory(engine)
    for hours in (1, 2):  # runs due while a previous one still went
        with write_transaction(sessions) as session:
            slot = SLOT + timedelta(hours=hours)
            mark_skipped_slot(
                session=session, portfolio_id="family", scheduled_at=slot, at=slot, reason="busy"
            )
    client = TestClient(create_app(settings, engine=engine, scheduler=FakeScheduler()))
    with time_machine.travel(SLOT + timedelta(hours=2, minutes=2), tick=False):
        status, body = ready(client)
    assert status == 503
    assert check(body, "ticks/family")["detail"] == (
        "latest successful tick scheduled 2024-03-01T12:00:00+00:00, 7320s ago; limit 7260s"
    )
