"""A portfolio in two currencies in a real browser, against a real ``allocation-monitor
run``: the page's currency exposure equals the API's, and its wider tables still fit a
phone. Skipped without Chromium, as ``test_browser.py`` is; its screenshot goes where that
module's go (``dashboard-currencies.png``, which ``docs/currencies.md`` shows)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.dashboard.test_browser import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    TOKEN,
    Dashboard,
    browser_or_skip,
    screenshot,
)
from tests.fixtures.daemon import DaemonProcess, wait_until

pytestmark = pytest.mark.slow

CONFIG = """
base_currency = "USD"
fx = {{ source = {{ kind = "csv", path = "{rates}" }} }}

[database]
url = "sqlite:///{database}"

[api]
token = "{token}"

[[portfolios]]
id = "family"
schedule = {{ every = "1d" }}
source = {{ kind = "csv", path = "{holdings}" }}
targets = {{ stocks = 60, bonds = 40 }}
currency_targets = {{ USD = 70, EUR = 30 }}
"""


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    browser_or_skip()
    folder = tmp_path_factory.mktemp("currencies")
    (folder / "rates.csv").write_text("pair,rate\nEURUSD,1.0842\n")
    (folder / "family.csv").write_text(
        "symbol,asset_class,value,currency\nVTI,stocks,6000,USD\nBUND,bonds,4000,EUR\n"
    )
    config = folder / "monitor.toml"
    config.write_text(
        CONFIG.format(
            rates=folder / "rates.csv",
            database=folder / "monitor.db",
            token=TOKEN,
            holdings=folder / "family.csv",
        )
    )
    daemon = DaemonProcess(config, log_path=folder / "daemon.log").start()
    found = Dashboard(daemon)

    def ticked() -> bool:
        try:
            rows = found.api("/api/v1/overview")["rows"]
        except httpx.HTTPError:
            return False
        return [r["tick_status"] for r in rows] == ["ok"]

    wait_until(ticked, "family ticked", process=daemon)
    yield found
    daemon.stop()


@pytest.fixture(scope="module")
def signed_in(dashboard: Dashboard) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(dashboard.base + "/")
        page.fill("input[name=token]", TOKEN)
        page.click("button[type=submit]")
        page.wait_for_url(dashboard.base + "/")
        yield browser, context.storage_state()
        browser.close()


def test_the_currency_exposure_on_the_page_equals_the_apis(
    signed_in: Any, dashboard: Dashboard
) -> None:
    browser, state = signed_in
    context = browser.new_context(viewport=DESKTOP, storage_state=state)
    page = context.new_page()
    page.goto(dashboard.base + "/portfolios/family")
    shown = page.eval_on_selector_all(
        "#currency-exposure tbody tr",
        "rs => rs.map(r => [r.dataset.currency, r.querySelector('[data-field=percent]')"
        ".textContent, r.className])",
    )
    current = dashboard.api("/api/v1/portfolios/family/current")
    screenshot(page, "currencies")
    context.close()
    assert shown == [
        [c["currency"], f"{c['percent']:.2f}", "breach" if c["breach"] else ""]
        for c in current["currency_exposure"]
    ]
    assert [row[0] for row in shown] == ["USD", "EUR"]


def test_the_portfolio_page_with_currencies_fits_a_phone(
    signed_in: Any, dashboard: Dashboard
) -> None:
    browser, state = signed_in
    context = browser.new_context(viewport=PHONE, storage_state=state, is_mobile=True)
    page = context.new_page()
    page.goto(dashboard.base + "/portfolios/family")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert overflow <= 0
