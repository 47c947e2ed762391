"""With an API token, the dashboard asks for it once, in a form, and keeps a session cookie."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from monitor.api.app import create_app
from monitor.settings import Settings

TOKEN = "correct-horse-battery-staple"
PAGE = {"Accept": "text/html"}


@pytest.fixture
def guarded() -> TestClient:
    return TestClient(create_app(Settings(api={"token": TOKEN})), follow_redirects=False)


def test_a_page_without_a_session_redirects_to_the_login_form(guarded: TestClient) -> None:
    response = guarded.get("/alerts?status=dead", headers=PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/alerts%3Fstatus%3Ddead"


def test_a_json_route_without_a_session_is_still_a_401(guarded: TestClient) -> None:
    assert guarded.get("/api/v1/overview").status_code == 401


def test_the_login_form_is_open_and_posts_the_token(guarded: TestClient) -> None:
    page = guarded.get("/login", headers=PAGE)
    assert page.status_code == 200
    assert 'method="post"' in page.text
    assert 'type="password" name="token"' in page.text


def test_the_right_token_sets_an_httponly_strict_cookie_without_the_token(
    guarded: TestClient,
) -> None:
    response = guarded.post("/login", data={"token": TOKEN, "next": "/alerts"})
    assert response.status_code == 303
    assert response.headers["location"] == "/alerts"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert TOKEN not in cookie


def test_the_session_cookie_authorises_the_json_routes_too(guarded: TestClient) -> None:
    guarded.post("/login", data={"token": TOKEN, "next": "/"})
    assert guarded.get("/api/v1/allocation/targets?portfolio_value=1000").status_code == 200


def test_a_wrong_token_shows_the_form_again_with_a_401(guarded: TestClient) -> None:
    response = guarded.post("/login", data={"token": "guess", "next": "/"})
    assert response.status_code == 401
    assert "That is not the API token." in response.text
    assert "set-cookie" not in response.headers


def test_a_forged_cookie_is_refused(guarded: TestClient) -> None:
    guarded.cookies.set("monitor_session", "0" * 64)
    assert guarded.get("/api/v1/allocation/targets?portfolio_value=1000").status_code == 401


def test_login_goes_back_only_to_a_path_on_this_site(guarded: TestClient) -> None:
    response = guarded.post("/login", data={"token": TOKEN, "next": "//evil.example/"})
    assert response.headers["location"] == "/"


def test_static_files_need_no_session(guarded: TestClient) -> None:
    assert guarded.get("/static/dashboard.css").status_code == 200
