from __future__ import annotations

import logging

import apprise
import pytest

from monitor.notify.apprise_masking import load_quietly, redact_notify_url


def test_a_password_is_masked_in_a_loaded_url() -> None:
    shown = redact_notify_url("mailto://bob:hunter2-pw@example.com?to=owner@example.com")
    assert shown.startswith("mailto://bob:****@example.com/")
    assert "hunter2" not in shown


def test_apprise_private_tokens_are_masked_by_apprise() -> None:
    shown = redact_notify_url("discord://1234567890/abcdefTOKENxyz")
    assert shown.startswith("discord://1...0/a...z/")


def test_webhook_headers_params_and_payload_fields_are_masked() -> None:
    shown = redact_notify_url(
        "json://127.0.0.1/?+Authorization=Bearer-abc&-apikey=k-123&:extra=val"
    )
    assert "%2BAuthorization=****" in shown
    assert "-apikey=****" in shown
    assert "%3Aextra=****" in shown


def test_a_generic_webhooks_path_is_masked() -> None:
    shown = redact_notify_url("jsons://hooks.example.com/services/T000/B000/XXXXsecret")
    assert shown.startswith("jsons://hooks.example.com/****/****/****/****")


def test_a_url_apprise_cannot_load_is_masked_part_by_part() -> None:
    shown = redact_notify_url("nosuchservice://alice:pw-123@host.example:8080/tok1/tok2?k=v&flag")
    assert shown == "nosuchservice://****@host.example:8080/****/****?k=****&flag"


def test_a_token_where_a_host_would_be_is_masked() -> None:
    assert redact_notify_url("tgram://not-a-bot-token/chat") == "tgram://****/****"


def test_text_that_is_not_a_url_is_masked_entirely() -> None:
    assert redact_notify_url("just-a-secret-string") == "****"


@pytest.fixture
def apprise_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(1, logger="apprise")  # Apprise's TRACE level is below DEBUG
    caplog.set_level(logging.DEBUG, logger="urllib3")
    return caplog


def test_apprise_logs_no_secret_of_a_url_it_sends_to(
    apprise_log: pytest.LogCaptureFixture,
) -> None:
    url = "json://bob:pw-Secret-1@127.0.0.1:9/p-Secret-2?-apikey=q-Secret-3&+X-Key=h-Secret-4"
    service = load_quietly(url)
    assert not apprise.Apprise(service).notify(body="body", title="title")
    assert "Socket Exception" in apprise_log.text  # the request URL was logged...
    for secret in ("pw-Secret-1", "p-Secret-2", "q-Secret-3", "h-Secret-4"):
        assert secret not in apprise_log.text  # ...without its secrets


def test_apprise_complaints_while_loading_a_url_quote_none_of_its_parts(
    apprise_log: pytest.LogCaptureFixture,
) -> None:
    assert (
        redact_notify_url("json://127.0.0.1/?method=Odd-Method-77")
        == "json://127.0.0.1/?method=****"
    )
    assert "The method specified" in apprise_log.text
    assert "Odd-Method-77" not in apprise_log.text


def test_tracebacks_logged_by_apprise_are_masked_too(
    apprise_log: pytest.LogCaptureFixture,
) -> None:
    load_quietly("json://bob:pw-Secret-5@127.0.0.1:9/")
    try:
        raise RuntimeError("login as bob:pw-Secret-5 failed")
    except RuntimeError:
        logging.getLogger("apprise").exception("boom")
    assert "pw-Secret-5" not in apprise_log.text
    assert "RuntimeError: login as bob:**** failed" in apprise_log.text
