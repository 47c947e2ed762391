"""With an API token, the dashboard asks for it once, in a form, and keeps a session cookie."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.api.app import create_app
from monitor.settings import Settings

TOKEN = "correct-horse-battery-staple"
PAGE = {"Accept": "text/html"}


@pytest.fixture
def guarded() -> TestClient:
    return TestClient(create_app(Settings(api={"token": TOKEN})), follow_redirects=False)


@pytest.fixture
def guarded_pages(engine: Engine) -> Iterator[TestClient]:
    """Guarded, over a database, so that its pages render."""
    app = create_app(Settings(api={"token": TOKEN}), engine=engine)
    with TestClient(app, follow_redirects=False) as client:
        yield client


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


def test_pages_show_a_sign_out_form_when_a_token_is_set(guarded_pages: TestClient) -> None:
    guarded_pages.post("/login", data={"token": TOKEN, "next": "/"})
    page = guarded_pages.get("/alerts", headers=PAGE)
    assert '<form class="sign-out" method="post" action="/logout">' in page.text


def test_pages_show_no_sign_out_without_a_token(engine: Engine) -> None:
    with TestClient(create_app(Settings(), engine=engine)) as open_pages:
        page = open_pages.get("/alerts", headers=PAGE)
    assert page.status_code == 200
    assert 'action="/logout"' not in page.text


def test_the_login_form_shows_no_sign_out(guarded: TestClient) -> None:
    assert 'action="/logout"' not in guarded.get("/login", headers=PAGE).text


def test_signing_out_clears_the_cookie_and_returns_to_the_login_form(
    guarded: TestClient,
) -> None:
    guarded.post("/login", data={"token": TOKEN, "next": "/"})
    response = guarded.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith('monitor_session="";')
    assert "Max-Age=0" in cookie
    assert "monitor_session" not in guarded.cookies


def test_after_signing_out_a_page_redirects_to_the_login_form_again(
    guarded_pages: TestClient,
) -> None:
    guarded_pages.post("/login", data={"token": TOKEN, "next": "/"})
    assert guarded_pages.get("/alerts", headers=PAGE).status_code == 200
    guarded_pages.post("/logout")
    response = guarded_pages.get("/alerts", headers=PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/alerts"
    assert guarded_pages.get("/api/v1/overview").status_code == 401


def test_signing_out_needs_no_valid_session(guarded: TestClient) -> None:
    guarded.cookies.set("monitor_session", "0" * 64)
    assert guarded.post("/logout").headers["location"] == "/login"
