"""The dashboard's pages, rendered over a real database (the browser tests drive a daemon)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.api.app import create_app
from monitor.settings import Settings
from monitor.store.outbox import NewNotification, enqueue_notifications
from tests.fixtures.snapshots import StoredHistory


@pytest.fixture
def client(engine: Engine, stored_history: StoredHistory) -> Iterator[TestClient]:
    settings = Settings(threshold=5, targets={"stocks": 60, "bonds": 40}, timezone="Europe/Paris")
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


def test_the_overview_lists_each_portfolio_with_a_link_to_its_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/portfolios/family"' in response.text
    assert 'href="/portfolios/clients/acct-17"' in response.text


def test_the_portfolio_page_shows_times_in_the_configured_timezone(client: TestClient) -> None:
    page = client.get("/portfolios/family").text
    assert "2024-03-01 13:00 CET" in page  # 12:00 UTC


def test_the_portfolio_page_shows_classes_against_their_bands(client: TestClient) -> None:
    page = client.get("/portfolios/family").text
    assert 'data-class="stocks"' in page
    assert "55.00 to 65.00" in page


def test_the_portfolio_page_offers_the_plan_as_csv(client: TestClient) -> None:
    page = client.get("/portfolios/family").text
    assert 'href="/api/v1/portfolios/family/plan.csv"' in page


def test_the_portfolio_page_attributes_a_picked_period(client: TestClient) -> None:
    page = client.get("/portfolios/family", params={"since": "2024-02-01"}).text
    assert 'id="attribution"' in page


def test_a_portfolio_page_names_why_it_has_no_plan(client: TestClient) -> None:
    page = client.get("/portfolios/clients/acct-17").text
    assert "keeps no holdings" in page


def test_an_unknown_portfolio_page_is_a_404_page_naming_the_known_ones(
    client: TestClient,
) -> None:
    response = client.get("/portfolios/nobody")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "nobody" in response.text
    assert "family" in response.text


def test_an_unknown_alert_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/alerts/999")
    assert (response.status_code, "no notification with id 999" in response.text) == (404, True)


def test_the_alerts_page_renders_without_alerts(client: TestClient) -> None:
    response = client.get("/alerts", params={"status": "dead"})
    assert response.status_code == 200
    assert "No alert matches." in response.text


def test_static_files_are_served(client: TestClient) -> None:
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200
    assert client.get("/static/dashboard.css").status_code == 200


def test_an_entry_with_accounts_links_to_its_accounts_in_the_overview(client: TestClient) -> None:
    page = client.get("/portfolios/clients").text
    assert 'href="/?q=clients%2F"' in page


def test_a_range_other_than_30d_1y_or_all_is_a_422(client: TestClient) -> None:
    assert client.get("/portfolios/family", params={"range": "2w"}).status_code == 422


def alert_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-alert="(\d+)"', page)]


@pytest.fixture
def many_alerts(session: Session, client: TestClient) -> None:
    """250 family alerts and 10 of the clients' digests, newest first."""
    notices = [NewNotification("family", "family", "reminder", f"r{n}", {}) for n in range(250)]
    notices += [NewNotification("clients", "clients", "digest", f"d{n}", {}) for n in range(10)]
    enqueue_notifications(session=session, notifications=notices, now=datetime.now(UTC))
    session.commit()


def test_the_alerts_page_shows_a_page_of_100_newest_first(
    client: TestClient, many_alerts: None
) -> None:
    api = client.get("/api/v1/alerts", params={"limit": 1000}).json()["alerts"]
    first = client.get("/alerts").text
    assert alert_ids(first) == [a["id"] for a in api][:100]
    assert "260 alerts · page 1 of 3" in first
    third = client.get("/alerts", params={"page": 3}).text
    assert alert_ids(third) == [a["id"] for a in api][200:]


def test_the_alerts_pages_links_keep_the_filters(client: TestClient, many_alerts: None) -> None:
    page = client.get("/alerts", params={"portfolio": "family", "status": "pending"}).text
    assert "250 alerts · page 1 of 3" in page
    assert 'href="?portfolio=family&amp;status=pending&amp;page=2" rel="next"' in page
    second = client.get("/alerts", params={"portfolio": "family", "page": 2}).text
    assert 'href="?portfolio=family&amp;status=&amp;page=1" rel="prev"' in second
    assert client.get("/alerts?portfolio=family&status=&page=1").status_code == 200


def test_a_page_past_the_last_shows_the_last(client: TestClient, many_alerts: None) -> None:
    page = client.get("/alerts", params={"portfolio": "clients", "page": 9}).text
    assert "page 1 of 1" in page
    assert len(alert_ids(page)) == 10
