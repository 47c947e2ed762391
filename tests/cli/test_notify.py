"""``notify test``: a test message through a portfolio's route, to real servers on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.cli import run
from tests.fixtures.sinks import SmtpSink, WebhookSink
from tests.notify.world import FAMILY, config_text


def configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, urls: list[str], *entries: str
) -> None:
    path = tmp_path / "allocation-monitor.toml"
    path.write_text(config_text(urls=urls, notify={}, portfolios=entries or [FAMILY]))
    monkeypatch.setenv("MONITOR_CONFIG", str(path))


def test_a_test_message_reaches_every_target_and_each_is_reported(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_sink: SmtpSink,
    webhook_sink: WebhookSink,
) -> None:
    configure(tmp_path, monkeypatch, [smtp_sink.url, webhook_sink.json_url])
    result = run("notify", "test", "--portfolio", "family")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["ok", "ok"]
    assert lines[2] == "2 of 2 target(s) took the test message"
    [email] = smtp_sink.wait_for(1)
    assert email["Subject"] == "Test notification for family"
    [request] = webhook_sink.wait_for(1)
    assert "If you can read this, alerts for it reach you here." in request.json["message"]


def test_a_failing_target_exits_1_and_names_it_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook_sink: WebhookSink
) -> None:
    down = WebhookSink()  # never started: its port refuses connections
    secret = f"json://bot:Pw-5e4d3c2b@127.0.0.1:{down.port}/hook/T0K3N-zyxwvu"
    configure(tmp_path, monkeypatch, [webhook_sink.json_url, secret])
    result = run("notify", "test", "-p", "family")
    assert result.exit_code == 1, result.output
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1
    assert f"127.0.0.1:{down.port}" in failed[0]
    assert "Connection error" in failed[0]  # why, in Apprise's words
    assert "1 of 2 target(s) took the test message" in result.stdout
    for secret_part in ("Pw-5e4d3c2b", "T0K3N-zyxwvu"):
        assert secret_part not in result.output
    assert len(webhook_sink.wait_for(1)) == 1


def test_an_unknown_portfolio_exits_2_listing_the_known_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook_sink: WebhookSink
) -> None:
    configure(tmp_path, monkeypatch, [webhook_sink.json_url])
    result = run("notify", "test", "--portfolio", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: unknown portfolio 'nope'; known portfolios: family"


def test_a_route_without_targets_exits_2_saying_where_to_put_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(tmp_path, monkeypatch, [])
    result = run("notify", "test", "--portfolio", "family")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: route: no notification targets (set notify.urls or notify.apprise_config)"
    )


def test_a_per_portfolio_route_overrides_the_default_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_sink: SmtpSink,
    webhook_sink: WebhookSink,
) -> None:
    entry = FAMILY.replace(
        "[portfolios.targets]", f'notify = {{ urls = ["{smtp_sink.url}"] }}\n[portfolios.targets]'
    )
    configure(tmp_path, monkeypatch, [webhook_sink.json_url], entry)
    result = run("notify", "test", "--portfolio", "family")
    assert result.exit_code == 0, result.output
    assert len(smtp_sink.wait_for(1)) == 1
    assert webhook_sink.requests == []
