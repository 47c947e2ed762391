"""``alerts``, ``alerts show`` and ``alerts retry`` over a real outbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.fixtures.cli import run
from tests.fixtures.sinks import SmtpSinkFactory, WebhookSink
from tests.notify.world import (
    FAMILY,
    StockedOutbox,
    make_world,
    stocked_outbox,
    two_class_holdings,
    write_holdings,
)


@pytest.fixture
def outbox(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    webhook_sink: WebhookSink,
    monkeypatch: pytest.MonkeyPatch,
) -> StockedOutbox:
    stocked = stocked_outbox(engine, tmp_path, webhook_sink)
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "allocation-monitor.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    return stocked


def test_alerts_lists_the_newest_first_in_a_table(outbox: StockedOutbox) -> None:
    result = run("alerts")
    assert result.exit_code == 0, result.output
    rows = [
        line.split()
        for line in result.stdout.splitlines()
        if re.match(r"\s*\d+\s+\d{4}-\d\d-\d\d ", line)  # an alert's first line
    ]
    assert [(row[0], row[4], row[5], row[6]) for row in rows] == [
        (str(outbox.family_dead), "family", "escalated", "dead"),
        (str(outbox.digest_sent), "clients", "digest", "sent"),
        (str(outbox.family_sent), "family", "drifted", "sent"),
    ]


def test_alerts_filters_by_status_and_portfolio_as_json(outbox: StockedOutbox) -> None:
    result = run("alerts", "--status", "sent", "--portfolio", "clients", "--format", "json")
    assert result.exit_code == 0, result.output
    [digest] = json.loads(result.stdout)
    assert (digest["id"], digest["account_count"]) == (outbox.digest_sent, 120)


def test_alerts_with_a_limit_shows_that_many(outbox: StockedOutbox) -> None:
    result = run("alerts", "--limit", "2", "-f", "json")
    assert [a["id"] for a in json.loads(result.stdout)] == [outbox.family_dead, outbox.digest_sent]


def test_alerts_of_an_unknown_portfolio_is_one_line_naming_the_known_ones(
    outbox: StockedOutbox,
) -> None:
    result = run("alerts", "--portfolio", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: unknown portfolio 'nope'; known portfolios: "
        + ", ".join(sorted({"family", "clients", *(f"clients/acct-{n:03d}" for n in range(200))}))
    ]


def test_alerts_with_an_unknown_status_is_a_usage_error(outbox: StockedOutbox) -> None:
    result = run("alerts", "--status", "lost")
    assert result.exit_code == 2
    assert "lost" in result.stderr


def test_alerts_show_prints_every_account_of_a_digest(outbox: StockedOutbox) -> None:
    result = run("alerts", "show", str(outbox.digest_sent))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Rebalance clients: 120 of 200 accounts out of band (120 new)" in out
    assert "120 account(s), worst drift first" in out
    for number in (0, 9, 119):
        assert f"clients/acct-{number:03d}" in out
    assert "clients/acct-120" not in out  # in band, nothing to say
    assert "STOCKS: over-allocated by 19.00% (current: 79.00%, target: 60.00%)" in out
    assert "Delivery attempts" in out


def test_alerts_show_prints_the_message_and_each_failed_attempt(outbox: StockedOutbox) -> None:
    result = run("alerts", "show", str(outbox.family_dead))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "escalated, dead" in out
    assert "STOCKS: over-allocated by 20.00% (current: 80.00%, target: 60.00%)" in out
    assert "SELL stocks: 20.00" in out
    assert "failed" in out and "500" in out


def test_alerts_show_as_json_is_the_api_shape(outbox: StockedOutbox) -> None:
    result = run("alerts", "show", str(outbox.digest_sent), "-f", "json")
    body = json.loads(result.stdout)
    assert len(body["accounts"]) == 120
    assert body["attempt_log"][0]["outcome"] == "sent"


def test_alerts_show_of_an_unknown_id_is_one_line(outbox: StockedOutbox) -> None:
    result = run("alerts", "show", "999")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: no notification with id 999"


def test_alerts_retry_puts_a_dead_alert_back_to_pending(outbox: StockedOutbox) -> None:
    result = run("alerts", "retry", str(outbox.family_dead))
    assert result.exit_code == 0, result.output
    assert f"Alert {outbox.family_dead} (escalated, family) is pending again" in result.stdout
    [pending] = outbox.world.notifications("pending")
    assert (pending.id, pending.attempts) == (outbox.family_dead, 0)


def test_alerts_retry_of_a_sent_alert_is_refused(outbox: StockedOutbox) -> None:
    result = run("alerts", "retry", str(outbox.family_sent))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: notification {outbox.family_sent} is sent; only dead ones can be retried"
    )


@pytest.mark.parametrize("command", ["show", "retry"])
def test_alerts_of_an_id_past_64_bits_is_a_usage_error_naming_it(
    outbox: StockedOutbox, command: str
) -> None:
    result = run("alerts", command, "99999999999999999999")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for 'ID': Input should be less than or equal to 9223372036854775807"
    )


def test_alerts_with_a_limit_past_64_bits_is_a_usage_error(outbox: StockedOutbox) -> None:
    result = run("alerts", "--limit", "99999999999999999999")
    assert result.exit_code == 2
    assert "'--limit' / '-n': Input should be less than or equal to" in result.stderr


def test_alerts_show_gives_the_reply_code_of_an_email_the_server_refused(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    smtp_sinks: SmtpSinkFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = smtp_sinks(reply="451 4.3.0 Mail server temporarily rejected message")
    world = make_world(
        engine, tmp_path, urls=[sink.url], notify={"max_attempts": 1}, portfolios=[FAMILY]
    )
    write_holdings(tmp_path / "family.json", two_class_holdings(80))
    world.tick()
    world.drain()
    [dead] = world.notifications("dead")
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "allocation-monitor.toml"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", database_url)
    result = run("alerts", "show", str(dead.id), "-f", "json")
    assert result.exit_code == 0, result.output
    [attempt] = json.loads(result.stdout)["attempt_log"]
    assert attempt["error"] == (
        'Sending email to "owner@example.com" failed: '
        "the server answered 451 4.3.0 Mail server temporarily rejected message"
    )
    assert dead.last_error == f"{attempt['target']}: {attempt['error']}"
