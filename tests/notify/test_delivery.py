from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.errors import DeliveryError
from monitor.notify.delivery import Message, Route, check_route, deliver
from monitor.notify.templates import render_message
from tests.fixtures.sinks import SmtpSink, SmtpSinkFactory, WebhookSink
from tests.notify import samples

DRIFTED = render_message(samples.drifted())


def test_an_email_arrives_with_the_title_as_subject(smtp_sink: SmtpSink) -> None:
    [result] = deliver(Route(urls=(smtp_sink.url,)), DRIFTED)
    assert result.ok, result.error
    [email] = smtp_sink.wait_for(1)
    assert email["Subject"] == "Rebalance family: 2 classes out of band"
    assert email["To"] == "owner@example.com"


def test_an_email_body_lists_the_alert_lines_and_actions(smtp_sink: SmtpSink) -> None:
    deliver(Route(urls=(smtp_sink.url,)), DRIFTED)
    [email] = smtp_sink.wait_for(1)
    body = email.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    for line in [*samples.SEED_ALERTS, "BUY stocks: 64,827.82", "Portfolio value: 183,535.63"]:
        assert line in text


def test_an_email_gets_the_markdown_body_as_html(smtp_sink: SmtpSink) -> None:
    deliver(Route(urls=(smtp_sink.url,)), DRIFTED)
    [email] = smtp_sink.wait_for(1)
    html = email.get_body(("html",))
    assert html is not None
    assert "<li>STOCKS: under-allocated by 35.32%" in html.get_content()


def test_a_digest_email_carries_the_csv_of_every_account(smtp_sink: SmtpSink) -> None:
    deliver(Route(urls=(smtp_sink.url,)), render_message(samples.digest(140)))
    [email] = smtp_sink.wait_for(1)
    [csv_part] = email.iter_attachments()
    assert csv_part.get_filename() == "clients-accounts-2026-11-24.csv"
    assert csv_part.get_content().count("clients/a") == 140


def test_a_json_webhook_receives_the_title_and_the_markdown_body(
    webhook_sink: WebhookSink,
) -> None:
    [result] = deliver(Route(urls=(webhook_sink.json_url,)), DRIFTED)
    assert result.ok, result.error
    [request] = webhook_sink.wait_for(1)
    assert request.json["title"] == DRIFTED.title
    assert request.json["message"] == DRIFTED.body_markdown
    assert request.json["type"] == "warning"


def test_a_plain_text_target_receives_the_text_body(webhook_sink: WebhookSink) -> None:
    deliver(Route(urls=(webhook_sink.json_url + "?format=text",)), DRIFTED)
    [request] = webhook_sink.wait_for(1)
    assert request.json["message"] == DRIFTED.body_text


def test_a_form_webhook_receives_the_title_and_body(webhook_sink: WebhookSink) -> None:
    [result] = deliver(Route(urls=(webhook_sink.form_url,)), DRIFTED)
    assert result.ok, result.error
    [request] = webhook_sink.wait_for(1)
    assert request.form["title"] == DRIFTED.title
    assert "STOCKS: under-allocated by 35.32%" in request.form["message"]


def test_a_json_webhook_receives_the_digest_csv_as_an_attachment(
    webhook_sink: WebhookSink,
) -> None:
    deliver(Route(urls=(webhook_sink.json_url,)), render_message(samples.digest(3)))
    [request] = webhook_sink.wait_for(1)
    [attachment] = request.json["attachments"]
    assert attachment["filename"] == "clients-accounts-2026-11-24.csv"


def test_a_service_without_attachments_gets_the_digest_without_its_csv(
    webhook_sink: WebhookSink,
) -> None:
    gotify = f"gotify://127.0.0.1:{webhook_sink.port}/AbCdEfGhIjKlMnO"
    digest = render_message(samples.digest(3))
    [result] = deliver(Route(urls=(gotify,)), digest)
    assert result.ok, result.error
    [request] = webhook_sink.wait_for(1)
    assert request.json["title"] == digest.title
    assert "attachments" not in request.json


def test_each_target_gets_its_own_result_when_one_is_down(webhook_sink: WebhookSink) -> None:
    down = WebhookSink()  # never started: its port refuses connections
    results = deliver(Route(urls=(webhook_sink.json_url, down.json_url)), DRIFTED)
    assert [r.ok for r in results] == [True, False]
    assert results[1].error
    assert len(webhook_sink.wait_for(1)) == 1


def test_skip_keys_spare_the_targets_that_already_took_the_message(
    webhook_sink: WebhookSink,
) -> None:
    flaky = WebhookSink()
    route = Route(urls=(webhook_sink.json_url, flaky.json_url))
    first = deliver(route, DRIFTED)
    flaky.start()
    try:
        retry = deliver(route, DRIFTED, skip_keys={r.key for r in first if r.ok})
        assert [(r.key, r.ok) for r in retry] == [(first[1].key, True)]
        assert len(flaky.wait_for(1)) == 1
    finally:
        flaky.stop()
    assert len(webhook_sink.requests) == 1


def test_a_target_answering_500_is_a_failed_result_naming_the_status(
    webhook_sink: WebhookSink,
) -> None:
    webhook_sink.fail(times=1)
    [result] = deliver(Route(urls=(webhook_sink.json_url,)), DRIFTED)
    assert not result.ok
    assert result.error is not None and "500" in result.error
    assert webhook_sink.attempts == 1 and webhook_sink.requests == []


def test_a_webhook_back_up_on_the_same_port_takes_the_retry(webhook_sink: WebhookSink) -> None:
    route = Route(urls=(webhook_sink.json_url,))
    webhook_sink.stop()
    assert not deliver(route, DRIFTED)[0].ok
    webhook_sink.start()
    assert deliver(route, DRIFTED)[0].ok
    assert len(webhook_sink.wait_for(1)) == 1


def test_everything_skipped_means_nothing_to_send(webhook_sink: WebhookSink) -> None:
    route = Route(urls=(webhook_sink.json_url,))
    [result] = deliver(route, DRIFTED)
    assert deliver(route, DRIFTED, skip_keys={result.key}) == []
    assert len(webhook_sink.requests) == 1


def test_a_targets_key_is_stable_and_is_not_its_url(webhook_sink: WebhookSink) -> None:
    url = webhook_sink.json_url.replace("json://", "json://user:hunter2@")
    route = Route(urls=(url,))
    first, second = deliver(route, DRIFTED)[0], deliver(route, DRIFTED)[0]
    assert first.key == second.key
    assert len(first.key) == 64 and "hunter2" not in first.key


@pytest.fixture
def apprise_config(tmp_path: Path, webhook_sink: WebhookSink, smtp_sink: SmtpSink) -> Path:
    path = tmp_path / "apprise.yml"
    path.write_text(
        "urls:\n"
        f"  - {webhook_sink.json_url}:\n"
        "      tag: family, chat\n"
        f"  - {smtp_sink.url}:\n"
        "      tag: ops\n"
    )
    return path


def test_tags_choose_targets_from_an_apprise_yaml_config(
    apprise_config: Path, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    results = deliver(Route(tags=("family",), apprise_config=apprise_config), DRIFTED)
    assert [r.ok for r in results] == [True]
    assert len(webhook_sink.wait_for(1)) == 1
    assert smtp_sink.messages == []


def test_each_tag_is_an_alternative(
    apprise_config: Path, webhook_sink: WebhookSink, smtp_sink: SmtpSink
) -> None:
    results = deliver(Route(tags=("family", "ops"), apprise_config=apprise_config), DRIFTED)
    assert [r.ok for r in results] == [True, True]
    assert len(smtp_sink.wait_for(1)) == 1


def test_tags_in_one_entry_must_all_match(apprise_config: Path) -> None:
    with pytest.raises(DeliveryError, match="no notification targets"):
        deliver(Route(tags=("family, ops",), apprise_config=apprise_config), DRIFTED)


def test_urls_and_a_config_file_are_combined(
    apprise_config: Path, smtp_sink: SmtpSink, webhook_sink: WebhookSink
) -> None:
    route = Route(urls=(smtp_sink.url,), tags=("chat",), apprise_config=apprise_config)
    assert [r.ok for r in deliver(route, DRIFTED)] == [True, True]


def test_the_same_target_inline_and_in_the_config_is_sent_once(
    apprise_config: Path, webhook_sink: WebhookSink
) -> None:
    route = Route(urls=(webhook_sink.json_url,), tags=("family",), apprise_config=apprise_config)
    assert len(deliver(route, DRIFTED)) == 1


def test_a_route_without_targets_is_a_permanent_delivery_error() -> None:
    with pytest.raises(DeliveryError, match="no notification targets") as error:
        deliver(Route(), DRIFTED)
    assert error.value.permanent


def test_an_unusable_url_is_a_permanent_error_naming_it_redacted() -> None:
    route = Route(urls=("nosuchservice://alice:s3cr3t-pw@host.example/t0ken-123",))
    with pytest.raises(DeliveryError, match="not a usable Apprise URL") as error:
        deliver(route, DRIFTED)
    assert error.value.permanent
    assert "nosuchservice://****@host.example/****" in str(error.value)
    assert "s3cr3t-pw" not in str(error.value) and "t0ken-123" not in str(error.value)


def test_a_missing_apprise_config_is_a_permanent_delivery_error(tmp_path: Path) -> None:
    route = Route(tags=("ops",), apprise_config=tmp_path / "missing.yml")
    with pytest.raises(DeliveryError, match="Apprise config file not found") as error:
        deliver(route, DRIFTED)
    assert error.value.permanent


def test_check_route_finds_nothing_wrong_with_a_working_route(apprise_config: Path) -> None:
    assert check_route(Route(tags=("ops",), apprise_config=apprise_config)) == ([], [])


def test_check_route_lists_every_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("urls: [nosuchservice://x]\n")
    problems = check_route(Route(urls=("json://", "bogus"), apprise_config=broken)).problems
    assert "json://: not a usable Apprise URL" in problems[0]
    assert "****: not a usable Apprise URL" in problems[1]
    assert f"{broken}: no usable Apprise URL in it" in problems[2]


def test_check_route_names_config_entries_apprise_skipped(
    tmp_path: Path, webhook_sink: WebhookSink
) -> None:
    config = tmp_path / "apprise.txt"
    config.write_text(f"{webhook_sink.json_url}\njson://127.0.0.1/?method=Odd-Method-77\n")
    problems, skipped = check_route(Route(apprise_config=config))
    assert problems == []
    assert any(
        p.startswith(f"{config}: Could not load URL json://") and p.endswith("on line 2.")
        for p in skipped
    )
    assert not any("Odd-Method-77" in entry for entry in skipped)


def test_check_route_says_tags_need_a_config_file() -> None:
    [problem] = check_route(Route(urls=("json://127.0.0.1:9",), tags=("ops",))).problems
    assert problem.startswith("notify.tags: they choose entries of an Apprise config file")


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"json://127.0.0.1:{server.getsockname()[1]}/notify?rto=30"


def test_a_target_that_never_answers_fails_within_the_timeout(silent_server: str) -> None:
    started = time.monotonic()
    [result] = deliver(Route(urls=(silent_server,)), DRIFTED, timeout=0.5)
    assert time.monotonic() - started < 5
    assert not result.ok
    assert result.error is not None and "no answer within 0.5s" in result.error


def test_secrets_appear_in_no_result_error_or_log(
    webhook_sink: WebhookSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)  # Apprise's TRACE level is below DEBUG
    secrets = ("pw-Secret-1", "hdr-Secret-2", "path-Secret-3")
    up = f"json://bob:{secrets[0]}@127.0.0.1:{webhook_sink.port}/{secrets[2]}?+X-Token={secrets[1]}"
    down = up.replace(str(webhook_sink.port), str(WebhookSink().port))
    results = deliver(Route(urls=(up, down)), DRIFTED)
    assert [r.ok for r in results] == [True, False]
    [request] = webhook_sink.wait_for(1)
    assert request.headers["X-Token"] == secrets[1]  # the secrets did go where they belong
    shown = " ".join(f"{r.name} {r.error}" for r in results) + caplog.text
    assert "Sent JSON" in caplog.text  # Apprise did log, at every level
    for secret in secrets:
        assert secret not in shown


def test_a_route_is_safe_to_log() -> None:
    route = Route(urls=("json://bob:pw-Secret-1@127.0.0.1:9/hook?+X-Token=hdr-Secret-2",))
    assert "Secret" not in repr(route)


def test_a_message_is_sent_as_is_with_its_notify_type(webhook_sink: WebhookSink) -> None:
    message = Message(title="t", body_text="plain", body_markdown="**md**", notify_type="failure")
    deliver(Route(urls=(webhook_sink.json_url,)), message)
    [request] = webhook_sink.wait_for(1)
    assert (request.json["message"], request.json["type"]) == ("**md**", "failure")


def test_delivery_logs_nothing_of_its_own_on_success(
    webhook_sink: WebhookSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitor")
    deliver(Route(urls=(webhook_sink.json_url,)), DRIFTED)
    assert [r for r in caplog.records if r.name.startswith("monitor")] == []


def test_secrets_in_an_apprise_config_file_never_reach_the_log(
    tmp_path: Path, webhook_sink: WebhookSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(1)
    config = tmp_path / "apprise.yml"
    config.write_text(
        "urls:\n"
        f"  - json://bob:cfg-Secret-1@127.0.0.1:{webhook_sink.port}/cfg-Secret-2:\n"
        "      tag: ops\n"
        "  - nosuchservice://eve:cfg-Secret-3@host.example/cfg-Secret-4:\n"
        "      tag: ops\n"
    )
    [result] = deliver(Route(tags=("ops",), apprise_config=config), DRIFTED)
    assert result.ok, result.error
    assert "Could not load" in caplog.text or "Unparseable" in caplog.text
    for secret in ("cfg-Secret-1", "cfg-Secret-2", "cfg-Secret-3", "cfg-Secret-4"):
        assert secret not in caplog.text


def test_an_unexpected_error_is_that_targets_failed_result(webhook_sink: WebhookSink) -> None:
    message = Message(title="t", body_text="b", body_markdown="b", notify_type="odd")  # type: ignore[arg-type]
    [result] = deliver(Route(urls=(webhook_sink.json_url,)), message)
    assert not result.ok
    assert result.error is not None and result.error.startswith("unexpected ValueError")


def test_an_email_refused_fails_with_the_smtp_reply_code_and_text(
    smtp_sinks: SmtpSinkFactory,
) -> None:
    sink = smtp_sinks(reply="451 4.3.0 Mail server temporarily rejected message")
    [result] = deliver(Route(urls=(sink.url,)), DRIFTED)
    assert (result.ok, result.error) == (
        False,
        'Sending email to "owner@example.com" failed: '
        "the server answered 451 4.3.0 Mail server temporarily rejected message",
    )


def test_an_smtp_server_that_never_answers_fails_as_a_timeout_within_the_limit(
    hung_smtp_sink: SmtpSink,
) -> None:
    started = time.monotonic()
    [result] = deliver(Route(urls=(hung_smtp_sink.url,)), DRIFTED, timeout=1)
    assert time.monotonic() - started < 5  # Apprise's own SMTP timeout is 15 s
    assert hung_smtp_sink.hanging.is_set()
    assert (result.ok, result.error) == (
        False,
        'Sending email to "owner@example.com" failed: no answer within 1s',
    )


def test_an_smtp_server_down_fails_as_a_refused_connection() -> None:
    down = SmtpSink()  # never started
    [result] = deliver(Route(urls=(down.url,)), DRIFTED)
    assert (
        result.error == 'Connection error while submitting email to "127.0.0.1": connection refused'
    )


def test_a_webhook_that_never_answers_and_one_that_is_down_fail_for_different_reasons(
    silent_server: str,
) -> None:
    silent = silent_server.replace("?rto=30", "")
    down = WebhookSink()  # never started
    [timed_out, refused] = deliver(Route(urls=(silent, down.json_url)), DRIFTED, timeout=1)
    failed = "A Connection error occurred sending JSON notification to 127.0.0.1"
    assert timed_out.error == f"{failed}: no answer within 1s"
    assert refused.error == f"{failed}: connection refused"
