"""With ``api.public_url``, messages link to the dashboard: a portfolio's page, or for a
digest the alert's page with every account."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from monitor.notify.routing import render_for
from monitor.settings import NotifySettings, Settings
from tests.notify import samples

PUBLIC = "https://monitor.example.com"


def test_a_drift_alert_links_to_the_portfolios_page() -> None:
    message = render_for(samples.drifted(), NotifySettings(), alert_id=7, public_url=PUBLIC)
    page = f"{PUBLIC}/portfolios/{samples.drifted()['portfolio_id']}"
    assert f"In the dashboard: {page}" in message.body_text
    assert f"]({page})" in message.body_markdown


def test_a_digest_links_to_its_list_of_every_account() -> None:
    message = render_for(samples.digest(), NotifySettings(), alert_id=7, public_url=PUBLIC)
    assert f"Every account, in the dashboard: {PUBLIC}/alerts/7" in message.body_text
    assert f"]({PUBLIC}/alerts/7)" in message.body_markdown


def test_without_a_public_url_no_message_links_anywhere() -> None:
    message = render_for(samples.drifted(), NotifySettings(), alert_id=7)
    assert "dashboard" not in message.body_text
    assert "http" not in message.body_markdown


def test_a_trailing_slash_is_dropped_from_the_public_url() -> None:
    assert Settings(api={"public_url": f"{PUBLIC}/"}).api.public_url == PUBLIC


def test_a_public_url_that_is_not_http_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="public_url"):
        Settings(api={"public_url": "monitor.example.com"})
