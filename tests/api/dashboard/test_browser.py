"""The dashboard in a real browser (Playwright driving Debian's Chromium) against a real
``allocation-monitor run`` whose database holds a year and more of history.

One daemon and one browser for the module, so that it takes seconds, not minutes. The
daemon asks for a token: every test but the login's runs in a browser context that signed
in once. Screenshots of each page go to ``var/screenshots/dashboard-*.png`` for a reviewer
to look at; with ``MONITOR_TEST_SCREENSHOTS=docs/images`` they replace the pictures the
README and the docs show (a test run must not change tracked files).

Without ``/usr/bin/chromium`` the module is skipped, saying so; CI sets
``MONITOR_TEST_REQUIRE_BROWSER=1`` (and installs the package), and there it fails instead.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.dashboard.history import FAILED_DAYS_AGO, SKIPPED_DAYS_AGO, TARGETS, write_history
from tests.fixtures.daemon import DaemonProcess, wait_until
from tests.fixtures.sinks import WebhookSink

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_ENV = "MONITOR_TEST_REQUIRE_BROWSER"
TOKEN = "dashboard-test-token"
ROOT = Path(__file__).resolve().parents[3]
IMAGES = ROOT / os.environ.get("MONITOR_TEST_SCREENSHOTS", "var/screenshots")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ACCOUNTS = 24

CONFIG = """
timezone = "Europe/Paris"

[database]
url = "sqlite:///{database}"

[api]
token = "{token}"

[notify]
urls = ["{webhook}"]
drain_every = "1s"

[[portfolios]]
id = "family"
name = "Family"
schedule = {{ every = "1d" }}
source = {{ kind = "csv", path = "{family}" }}
targets = {{ stocks = 60, bonds = 30, gold = 10 }}

[[portfolios]]
id = "clients"
name = "Clients"
schedule = {{ every = "1d" }}
source = {{ kind = "csv", path = "{clients}" }}
targets = {{ stocks = 60, bonds = 40 }}
"""


def browser_or_skip() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        reason = "Playwright is not installed (pip install -e '.[dev]')"
    else:
        if CHROMIUM.exists():
            return
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_ENV}=1 requires the browser tests to run")
    pytest.skip(reason)


def clients_csv() -> str:
    """Accounts drifting more and more: the first ones in band, the last ones not."""
    lines = ["account,symbol,asset_class,value"]
    for n in range(1, ACCOUNTS + 1):
        stocks = 5500 + 100 * n
        lines += [f"acct-{n:02},VOO,stocks,{stocks}", f"acct-{n:02},AGG,bonds,{10000 - stocks}"]
    return "\n".join(lines) + "\n"


class Dashboard:
    def __init__(self, daemon: DaemonProcess) -> None:
        self.daemon = daemon
        self.base = f"http://127.0.0.1:{daemon.api_port}"

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(
            self.base + path, params=params, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        response.raise_for_status()
        return response.json() if "json" in response.headers["content-type"] else response.text

    def post(self, path: str, body: Any) -> Any:
        response = httpx.post(
            self.base + path, json=body, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    browser_or_skip()
    webhook = WebhookSink()
    webhook.start()
    folder = tmp_path_factory.mktemp("dashboard")
    database = folder / "monitor.db"
    write_history(database)
    (folder / "family.csv").write_text(
        "symbol,asset_class,quantity,price\nVTI,stocks,140,250\nBND,bonds,150,70\nGLD,gold,20,180\n"
    )
    (folder / "clients.csv").write_text(clients_csv())
    config = folder / "monitor.toml"
    config.write_text(
        CONFIG.format(
            database=database,
            token=TOKEN,
            webhook=webhook.json_url,
            family=folder / "family.csv",
            clients=folder / "clients.csv",
        )
    )
    daemon = DaemonProcess(config, log_path=folder / "daemon.log").start()
    found = Dashboard(daemon)

    def ticked() -> bool:
        try:
            rows = found.api("/api/v1/overview", per_page=1000)["rows"]
        except httpx.HTTPError:
            return False
        return len(rows) == ACCOUNTS + 1 and all(r["tick_status"] == "ok" for r in rows)

    wait_until(ticked, "both entries ticked", process=daemon)
    webhook.wait_for(2)  # family's alert and the clients' digest, sent (the dead ones stay)
    yield found
    daemon.stop()
    webhook.stop()


@pytest.fixture(scope="module")
def browser(dashboard: Dashboard) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def signed_in(browser: Any, dashboard: Dashboard) -> Iterator[Any]:
    """A browser context that signed in through the form once."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    page.goto(dashboard.base + "/")
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(dashboard.base + "/")
    page.close()
    yield context
    context.close()


class Watched:
    """A page whose console errors, page errors and failed requests are collected."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on(
            "console",
            lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on(
            "response",
            lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )


@pytest.fixture
def page(signed_in: Any) -> Iterator[Watched]:
    watched = Watched(signed_in.new_page())
    yield watched
    watched.page.close()


def drawn(page: Any) -> dict[str, str]:
    page.wait_for_selector("#drift-chart[data-drawn]")
    found: dict[str, str] = page.eval_on_selector("#drift-chart", "e => ({...e.dataset})")
    assert found["drawn"] == "true", page.inner_text("#drift-chart")
    return found


def screenshot(page: Any, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / f"dashboard-{name}.png"), full_page=False)


def digest_id(dashboard: Dashboard) -> int:
    alerts = dashboard.api("/api/v1/alerts", portfolio="clients")["alerts"]
    return next(a["id"] for a in alerts if a["kind"] == "digest")


def test_every_page_loads_without_console_errors_or_failed_requests(
    page: Watched, dashboard: Dashboard
) -> None:
    for path in [
        "/",
        "/?out_of_band=true&sort=value",
        "/portfolios/family?range=all",
        "/portfolios/clients/acct-24",
        "/alerts",
        f"/alerts/{digest_id(dashboard)}",
    ]:
        page.page.goto(dashboard.base + path)
        if path.startswith("/portfolios"):
            drawn(page.page)
        page.page.wait_for_load_state("networkidle")
    assert page.problems == []


def test_the_drift_chart_draws_a_line_per_class_and_a_point_per_snapshot(
    page: Watched, dashboard: Dashboard
) -> None:
    page.page.goto(dashboard.base + "/portfolios/family?range=all")
    chart = drawn(page.page)
    history = dashboard.api("/api/v1/portfolios/family/drift-history")
    assert int(chart["series"]) == len(TARGETS)
    assert int(chart["points"]) == len(history["points"])
    assert int(chart["failedTicks"]) == len(FAILED_DAYS_AGO)
    assert int(chart["skippedTicks"]) == len(SKIPPED_DAYS_AGO)
    # uPlot's own series: x, one per class, the failed ticks' marks, the skipped ones'.
    series = page.page.evaluate("window.driftChart.series.map(s => s.label ?? null)")
    assert series[1:] == [*TARGETS, "failed tick", "skipped tick"]
    marks = page.page.evaluate(
        "window.driftChart.data.slice(-2).map(d => d.filter(v => v !== null).length)"
    )
    assert marks == [len(FAILED_DAYS_AGO), len(SKIPPED_DAYS_AGO)]
    legend = page.page.eval_on_selector_all(
        ".u-legend .u-series th", "ths => ths.map(th => th.textContent)"
    )
    assert "skipped tick" in legend
    xs = page.page.evaluate("window.driftChart.data[0].length")
    assert xs == len(history["points"]) + len(FAILED_DAYS_AGO) + len(SKIPPED_DAYS_AGO)
    screenshot(page.page, "portfolio")


def test_the_chart_table_holds_the_charts_numbers(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/portfolios/family?range=30d")
    drawn(page.page)
    since = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    history = dashboard.api("/api/v1/portfolios/family/drift-history", since=since)
    rows = page.page.eval_on_selector_all("#drift-table tbody tr", "rs => rs.length")
    assert rows == len(history["points"]) + len(FAILED_DAYS_AGO) + len(SKIPPED_DAYS_AGO)
    skipped = page.page.eval_on_selector_all(
        "#drift-table .tick-skipped", "ts => ts.map(t => t.textContent)"
    )
    assert skipped == ["skipped"] * len(SKIPPED_DAYS_AGO)
    last = history["points"][-1]["drifts"]
    cells = page.page.eval_on_selector_all(
        "#drift-table tbody tr:last-child td.num", "cs => cs.map(c => c.textContent)"
    )
    assert cells == [f"{last[name]:.2f}" for name in TARGETS]


def test_switching_the_range_draws_fewer_points(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/portfolios/family?range=all")
    everything = int(drawn(page.page)["points"])
    page.page.click("a[data-range='30d']")
    page.page.wait_for_url("**range=30d")
    month = int(drawn(page.page)["points"])
    assert 29 <= month <= 32 < everything


def test_the_current_classes_on_the_page_equal_the_apis(
    page: Watched, dashboard: Dashboard
) -> None:
    page.page.goto(dashboard.base + "/portfolios/family")
    current = dashboard.api("/api/v1/portfolios/family/current")
    for c in current["classes"]:
        row = f"#current tr[data-class='{c['asset_class']}']"
        shown = page.page.inner_text(f"{row} [data-field=current_percent]")
        assert shown == f"{c['current_percent']:.2f}"
        assert page.page.inner_text(f"{row} [data-field=drift]") == f"{c['drift']:.2f}"


def overview_rows(page: Any) -> list[dict[str, str]]:
    found: list[dict[str, str]] = page.eval_on_selector_all(
        "#overview tbody tr[data-portfolio]",
        """rows => rows.map(r => ({
            id: r.dataset.portfolio,
            value: r.querySelector('[data-field=value]').textContent,
            worst: r.querySelector('[data-field=worst_drift]').textContent,
        }))""",
    )
    return found


def test_an_accounts_last_alert_is_its_entrys_digest(dashboard: Dashboard) -> None:
    [row] = dashboard.api("/api/v1/overview", q="acct-24")["rows"]
    assert row["last_alert"]["id"] == digest_id(dashboard)


def test_the_overview_rows_equal_the_apis(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/")
    api = dashboard.api("/api/v1/overview")["rows"]
    assert overview_rows(page.page) == [
        {"id": r["portfolio_id"], "value": f"{r['value']:,.2f}", "worst": f"{r['worst_drift']:.2f}"}
        for r in api
    ]
    screenshot(page.page, "overview")


def test_sorting_by_value_orders_the_rows_as_the_api(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/")
    page.page.click("a[data-sort='value']")
    page.page.wait_for_url("**sort=value**")
    api = dashboard.api("/api/v1/overview", sort="value", order="desc")["rows"]
    assert [r["id"] for r in overview_rows(page.page)] == [r["portfolio_id"] for r in api]


def test_out_of_band_only_keeps_the_drifted_rows(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/")
    page.page.check("input[name=out_of_band]")
    page.page.click("form.filters button[type=submit]")
    page.page.wait_for_url("**out_of_band=true**")
    states = page.page.eval_on_selector_all(
        "#overview tbody .state", "s => s.map(e => e.textContent)"
    )
    matched = dashboard.api("/api/v1/overview", out_of_band="true")["matched"]
    assert states == ["drifted"] * matched
    assert 0 < matched < ACCOUNTS + 1


def test_searching_finds_one_account(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/")
    page.page.fill("input[name=q]", "acct-07")
    page.page.press("input[name=q]", "Enter")
    page.page.wait_for_url("**q=acct-07**")
    assert [r["id"] for r in overview_rows(page.page)] == ["clients/acct-07"]


def test_the_plan_downloads_as_the_apis_csv(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/portfolios/family")
    with page.page.expect_download() as download:
        page.page.click("#plan-csv")
    text = Path(download.value.path()).read_text()
    assert text == dashboard.api("/api/v1/portfolios/family/plan.csv")
    assert next(csv.reader(io.StringIO(text)))[:3] == ["asset_class", "symbol", "side"]


def test_a_digest_opens_its_list_of_accounts(page: Watched, dashboard: Dashboard) -> None:
    alert = digest_id(dashboard)
    page.page.goto(dashboard.base + "/alerts")
    page.page.click(f"#alerts tr[data-alert='{alert}'] a[href='/alerts/{alert}']")
    page.page.wait_for_selector("#digest-accounts")
    listed = page.page.eval_on_selector_all("#digest-accounts tbody tr", "rs => rs.length")
    assert listed == len(dashboard.api(f"/api/v1/alerts/{alert}")["accounts"])
    screenshot(page.page, "alert")
    page.page.goto(dashboard.base + "/alerts")
    screenshot(page.page, "alerts")


def test_filtering_alerts_by_state_lists_what_the_api_lists(
    page: Watched, dashboard: Dashboard
) -> None:
    page.page.goto(dashboard.base + "/alerts")
    page.page.select_option("select[name=status]", "dead")
    page.page.click("form.filters button[type=submit]")
    page.page.wait_for_url("**status=dead**")
    shown = page.page.eval_on_selector_all(
        "#alerts tbody tr[data-alert]", "rs => rs.map(r => Number(r.dataset.alert))"
    )
    dead = dashboard.api("/api/v1/alerts", status="dead")["alerts"]
    assert shown == [a["id"] for a in dead]
    assert len(shown) == 2


def test_a_silence_and_an_acknowledgement_made_with_the_api_are_listed(
    page: Watched, dashboard: Dashboard
) -> None:
    made = dashboard.post(
        "/api/v1/silences", {"portfolio": "clients/*", "for": "7d", "comment": "year end"}
    )
    alerts = dashboard.api("/api/v1/alerts", portfolio="family")["alerts"]
    drifted = next(a["id"] for a in alerts if a["kind"] == "drifted")
    [ack] = dashboard.post(f"/api/v1/alerts/{drifted}/ack", {})["acknowledgements"]
    page.page.goto(dashboard.base + "/alerts")
    assert page.page.inner_text(f"#silences tr[data-silence='{made['id']}']").count("year end")
    assert page.page.is_visible(f"#acknowledgements tr[data-acknowledgement='{ack['id']}']")
    page.page.evaluate("document.getElementById('silences-title').scrollIntoView()")
    screenshot(page.page, "alert-tools")
    page.page.goto(dashboard.base + "/portfolios/clients/acct-24")
    assert page.page.is_visible(f"#silences tr[data-silence='{made['id']}']")
    assert page.problems == []


def test_the_replay_form_shows_the_apis_comparison(page: Watched, dashboard: Dashboard) -> None:
    page.page.goto(dashboard.base + "/portfolios/family")
    for preset in ("5pp", "hybrid"):
        page.page.check(f"#replay-form input[value='{preset}']")
    page.page.click("#replay-form button[type=submit]")
    page.page.wait_for_url("**replay=true**")
    shown = page.page.eval_on_selector_all(
        "#replay tbody tr",
        "rs => rs.map(r => [r.dataset.policy, r.querySelector('[data-field=alerts]').textContent])",
    )
    body = {"compare": ["5pp", "hybrid"]}
    api = dashboard.post("/api/v1/portfolios/family/replay", body)["replays"]
    assert shown == [[r["policy"]["name"], str(r["alerts"])] for r in api]
    page.page.evaluate("document.getElementById('replay-title').scrollIntoView()")
    screenshot(page.page, "replay")


def test_without_signing_in_a_page_asks_for_the_token_and_signing_out_asks_again(
    browser: Any, dashboard: Dashboard
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(dashboard.base + "/portfolios/family")
    assert page.url.startswith(dashboard.base + "/login")
    assert page.evaluate("fetch('/api/v1/overview').then(r => r.status)") == 401
    page.fill("input[name=token]", "not-the-token")
    page.click("button[type=submit]")
    assert page.inner_text("[role=alert]") == "That is not the API token."
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(dashboard.base + "/portfolios/family")
    page.click("form.sign-out button")
    page.wait_for_url(dashboard.base + "/login")
    assert not context.cookies()
    page.goto(dashboard.base + "/alerts")
    assert page.url.startswith(dashboard.base + "/login")
    context.close()


@pytest.mark.parametrize("path", ["/", "/portfolios/family", "/alerts"])
def test_a_phone_wide_page_does_not_scroll_sideways(
    browser: Any, signed_in: Any, dashboard: Dashboard, path: str
) -> None:
    context = browser.new_context(
        viewport=PHONE, storage_state=signed_in.storage_state(), is_mobile=True
    )
    page = context.new_page()
    page.goto(dashboard.base + path)
    if path.startswith("/portfolios"):
        drawn(page)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if path != "/alerts":
        screenshot(page, "phone" if path == "/" else "phone-portfolio")
    context.close()
    assert overflow <= 0


def test_dark_mode_follows_the_system(browser: Any, signed_in: Any, dashboard: Dashboard) -> None:
    context = browser.new_context(
        viewport=DESKTOP, storage_state=signed_in.storage_state(), color_scheme="dark"
    )
    page = context.new_page()
    page.goto(dashboard.base + "/portfolios/family")
    drawn(page)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    screenshot(page, "dark")
    context.close()
    assert background == "rgb(20, 24, 29)"
