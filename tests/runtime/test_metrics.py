"""/metrics: the store's figures read at scrape time, and the daemon's counts, per app."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, select

from monitor.api.app import create_app
from monitor.runtime.scheduler import Daemon, tick_job_id
from monitor.settings import Settings
from monitor.store.engine import make_engine
from monitor.store.models import Tick
from tests.fixtures.operations import ACCOUNTS_CSV, DRIFTED_CSV, IN_BAND_CSV, WriteConfig
from tests.fixtures.outages import Outage
from tests.fixtures.sinks import WebhookSink, free_port

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
DaemonFor = Callable[[Settings], Daemon]


def scrape(client: TestClient) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((f"allocation_monitor_{name}", frozenset(labels.items())))


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


def ticked(settings: Settings, daemon: Daemon, engine: Engine) -> TestClient:
    for entry in settings.portfolios:
        daemon.tick(entry)
    return TestClient(create_app(settings, engine=engine, scheduler=daemon))


def test_drift_value_and_rebalancing_of_a_portfolio_come_from_its_latest_snapshot(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV, "calm": IN_BAND_CSV})
    samples = scrape(ticked(settings, daemon_for(settings), engine))
    assert value(samples, "drift_percent", portfolio="family", asset_class="stocks") == 10.0
    assert value(samples, "drift_percent", portfolio="family", asset_class="bonds") == -10.0
    assert value(samples, "drift_percent", portfolio="calm", asset_class="stocks") == 2.0
    assert value(samples, "portfolio_value", portfolio="family", currency="") == 100.0
    assert value(samples, "worst_drift_percent", portfolio="family") == 10.0
    assert value(samples, "needs_rebalancing", portfolio="family") == 1.0
    assert value(samples, "needs_rebalancing", portfolio="calm") == 0.0
    assert value(samples, "database_up") == 1.0


def test_a_portfolio_out_of_band_has_a_drifted_since_time_and_one_in_band_has_none(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV, "calm": IN_BAND_CSV})
    samples = scrape(ticked(settings, daemon_for(settings), engine))
    since = value(samples, "drifted_since_timestamp_seconds", portfolio="family")
    taken = value(samples, "snapshot_timestamp_seconds", portfolio="family")
    assert since is not None and since == taken
    assert value(samples, "drifted_since_timestamp_seconds", portfolio="calm") is None
    assert value(samples, "last_tick_timestamp_seconds", portfolio="calm") is not None


def test_an_entry_with_many_accounts_is_summed_up_not_listed_per_account(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"clients": ACCOUNTS_CSV})
    samples = scrape(ticked(settings, daemon_for(settings), engine))
    assert value(samples, "accounts", portfolio="clients") == 3.0
    assert value(samples, "accounts_needing_rebalancing", portfolio="clients") == 2.0
    assert value(samples, "portfolio_value", portfolio="clients", currency="") == 300.0
    assert value(samples, "worst_drift_percent", portfolio="clients") == 20.0
    portfolios = {dict(labels).get("portfolio") for _, labels in samples}
    assert portfolios == {None, "clients"}
    assert "allocation_monitor_drift_percent" not in names(samples)


def test_a_portfolio_s_value_is_labelled_with_its_base_currency(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "rates.csv").write_text("pair,rate\nEURUSD,1.0842\n", encoding="utf-8")
    settings = write_config(
        {"family": "symbol,asset_class,value,currency\nVTI,stocks,60,USD\nBUND,bonds,40,EUR\n"},
        top='base_currency = "USD"\nfx = { source = { kind = "csv", path = "rates.csv" } }',
    )
    samples = scrape(ticked(settings, daemon_for(settings), engine))
    # 40 EUR x 1.0842 = 43.368 USD; with 60 USD, 103.368 USD.
    assert value(samples, "portfolio_value", portfolio="family", currency="USD") == 103.368
    assert value(samples, "portfolio_value", portfolio="family", currency="") is None


def test_a_snapshot_naming_no_currency_is_labelled_with_the_configured_one(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    before = write_config({"family": DRIFTED_CSV})  # single-currency mode, as before currencies
    ticked(before, daemon_for(before), engine)
    now = write_config({"family": DRIFTED_CSV}, top='base_currency = "EUR"')
    samples = scrape(TestClient(create_app(now, engine=engine)))
    assert value(samples, "portfolio_value", portfolio="family", currency="EUR") == 100.0


def test_accounts_each_in_its_own_currency_are_summed_per_currency(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config(
        {
            "clients": "account,symbol,asset_class,value,currency\n"
            "a1,VTI,stocks,60,USD\na1,BND,bonds,40,USD\n"
            "a2,VTI,stocks,50,USD\na2,BND,bonds,50,USD\n"
            "a3,IWDA,stocks,30,EUR\na3,BUND,bonds,70,EUR\n"
        }
    )
    samples = scrape(ticked(settings, daemon_for(settings), engine))
    # No base currency: a1 and a2 are 100 USD each (200 USD), a3 100 EUR, never added up.
    assert value(samples, "portfolio_value", portfolio="clients", currency="USD") == 200.0
    assert value(samples, "portfolio_value", portfolio="clients", currency="EUR") == 100.0
    assert value(samples, "portfolio_value", portfolio="clients", currency="") is None


def test_ticks_are_counted_by_outcome_with_their_duration(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Path
) -> None:
    settings = write_config({"family": DRIFTED_CSV, "broken": DRIFTED_CSV})
    (tmp_path / "broken.csv").unlink()
    now = [datetime(2026, 11, 25, 9, 30, tzinfo=UTC)]
    replica = daemon_for(settings, clock=lambda: now[0])
    daemon = daemon_for(settings, clock=lambda: now[0])
    replica.tick(settings.portfolios[0])  # another replica ticks the 9:00 slot first,
    daemon.tick(settings.portfolios[0])  # so this one skips it
    now[0] += timedelta(hours=1)  # the 10:00 slot
    for entry in settings.portfolios:
        daemon.tick(entry)
    samples = scrape(TestClient(create_app(settings, engine=engine, scheduler=daemon)))
    assert value(samples, "ticks_total", portfolio="family", status="ok") == 1.0
    assert value(samples, "ticks_total", portfolio="family", status="skipped") == 1.0
    assert value(samples, "ticks_total", portfolio="broken", status="failed") == 1.0
    assert value(samples, "tick_failures_total", portfolio="broken") == 1.0
    assert value(samples, "tick_failures_total", portfolio="family") == 0.0
    assert value(samples, "tick_duration_seconds_count", portfolio="family") == 1.0
    assert value(samples, "tick_duration_seconds_bucket", portfolio="family", le="+Inf") == 1.0


def test_a_failed_tick_keeps_the_last_good_figures(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, tmp_path: Path
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, every="1s")
    daemon = daemon_for(settings)
    daemon.tick(settings.portfolios[0])
    (tmp_path / "family.csv").unlink()
    daemon.clock = lambda: datetime.now(UTC) + timedelta(seconds=5)  # the next slot
    daemon.tick(settings.portfolios[0])
    samples = scrape(TestClient(create_app(settings, engine=engine, scheduler=daemon)))
    assert value(samples, "ticks_total", portfolio="family", status="failed") == 1.0
    assert value(samples, "portfolio_value", portfolio="family", currency="") == 100.0


def test_the_outbox_counts_and_delivery_rounds_are_exported(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine, webhook_sink: WebhookSink
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, notify_url=webhook_sink.json_url)
    daemon = daemon_for(settings)
    client = ticked(settings, daemon, engine)
    before = scrape(client)
    assert value(before, "outbox_notifications", status="pending") == 1.0
    assert value(before, "notification_attempts_total", outcome="sent") == 0.0
    daemon.drain()
    webhook_sink.wait_for(1)
    after = scrape(client)
    assert value(after, "outbox_notifications", status="pending") == 0.0
    assert value(after, "outbox_notifications", status="sent") == 1.0
    assert value(after, "notification_attempts_total", outcome="sent") == 1.0
    assert value(after, "notification_attempts_total", outcome="dead") == 0.0


def test_two_apps_in_one_process_do_not_share_counts(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV})
    first = ticked(settings, daemon_for(settings), engine)
    second = TestClient(create_app(settings, engine=engine, scheduler=daemon_for(settings)))
    assert value(scrape(first), "ticks_total", portfolio="family", status="ok") == 1.0
    assert value(scrape(second), "ticks_total", portfolio="family", status="ok") is None


def test_an_api_without_a_scheduler_exports_the_store_but_no_tick_counts(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV})
    ticked(settings, daemon_for(settings), engine)
    samples = scrape(TestClient(create_app(settings, engine=engine)))
    assert value(samples, "portfolio_value", portfolio="family", currency="") == 100.0
    assert not any(name.startswith("allocation_monitor_tick") for name in names(samples))


def test_metrics_answer_with_database_up_0_when_the_database_is_unreachable(
    write_config: WriteConfig,
) -> None:
    settings = write_config({"family": DRIFTED_CSV})
    engine = make_engine(f"postgresql+psycopg://monitor@127.0.0.1:{free_port()}/gone")
    samples = scrape(TestClient(create_app(settings, engine=engine)))
    engine.dispose()
    assert value(samples, "database_up") == 0.0
    assert "allocation_monitor_portfolio_value" not in names(samples)


def test_scrapes_the_database_fails_say_so_once_and_once_more_when_it_is_back(
    write_config: WriteConfig, outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(create_app(write_config({"family": DRIFTED_CSV}), engine=outage.engine))
    caplog.set_level(logging.INFO, logger="monitor")
    outage.down()
    for _ in range(20):
        assert value(scrape(client), "database_up") == 0.0
    outage.up()
    assert value(scrape(client), "database_up") == 1.0
    lines = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert lines[0][0] == "WARNING"
    assert lines[0][1].startswith(
        ("/metrics failing: cannot reach", "/metrics failing: cannot open")
    )
    assert lines[1][0] == "INFO"
    assert re.fullmatch(r"/metrics works again, after \d+s and 20 failure\(s\)", lines[1][1])
    assert len(lines) == 2


def test_a_slot_marked_skipped_is_counted_as_a_skipped_run_not_as_a_tick(
    write_config: WriteConfig, daemon_for: DaemonFor, engine: Engine
) -> None:
    settings = write_config({"family": DRIFTED_CSV}, every="1h")
    slot = datetime(2026, 11, 25, 9, tzinfo=UTC)
    daemon = daemon_for(settings, clock=lambda: slot + timedelta(minutes=30))
    # The run due at 10:00 came while the 09:00 tick still went: the slot is marked skipped.
    due = [slot + timedelta(hours=1)]
    daemon.overruns.skipped(
        JobSubmissionEvent(EVENT_JOB_MAX_INSTANCES, tick_job_id("family"), "default", due)
    )
    samples = scrape(ticked(settings, daemon, engine))
    with engine.connect() as connection:
        marked = connection.execute(select(Tick.scheduled_at).where(Tick.status == "skipped"))
        assert [at.replace(tzinfo=UTC) for at in marked.scalars()] == due
    assert value(samples, "last_tick_timestamp_seconds", portfolio="family") == slot.timestamp()
    assert value(samples, "ticks_total", portfolio="family", status="ok") == 1.0
    assert value(samples, "ticks_total", portfolio="family", status="skipped") is None
    assert value(samples, "skipped_runs_total", task=tick_job_id("family")) == 1.0
