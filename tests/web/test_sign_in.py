"""Signing in and out; pages need a session; writes made with the session need the CSRF token."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error, merchant_code, signed_in, user
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock


def test_a_page_without_a_session_redirects_to_sign_in_and_back(api_app: FastAPI) -> None:
    response = TestClient(api_app, follow_redirects=False).get("/variants/TEE?as_of=2026-01-01")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/variants/TEE%3Fas_of%3D2026-01-01"


def test_a_wrong_password_is_refused_on_the_form_and_sets_no_session(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    name = user(db, scope, "viewer")
    client = TestClient(api_app, follow_redirects=False)
    client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": client.cookies["truecount_login_csrf"],
            "merchant": merchant_code(db, scope),
            "name": name,
            "password": "wrong-password",
        },
    )
    assert response.status_code == 401 and "wrong merchant, user name or password" in response.text
    assert "truecount_session" not in client.cookies


def test_a_sign_in_form_without_its_csrf_token_is_refused(api_app: FastAPI, db: Database, scope: Scope) -> None:
    name = user(db, scope, "viewer")
    client = TestClient(api_app, follow_redirects=False)
    form = {"merchant": merchant_code(db, scope), "name": name, "password": "password-1", "csrf_token": "forged"}
    response = client.post("/login", data=form)
    assert response.status_code == 403 and "truecount_session" not in client.cookies


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    name = user(db, scope, "viewer")
    for asked, landed in (("/scan", "/scan"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        client = TestClient(api_app, follow_redirects=False)
        client.get("/login")
        response = client.post(
            "/login",
            data={
                "csrf_token": client.cookies["truecount_login_csrf"],
                "merchant": merchant_code(db, scope),
                "name": name,
                "password": "password-1",
                "next": asked,
            },
        )
        assert response.headers["location"] == landed


def test_a_session_write_needs_the_csrf_token_and_nothing_is_written_without_it(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    client, csrf = signed_in(api_app, db, scope, "staff")
    move = {"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": 2}
    assert_error(client.post("/api/v1/movements", json=move), 403, "forbidden", field="csrf_token")
    assert_error(client.post("/api/v1/movements", json=move, headers={"X-CSRF-Token": "0" * 64}), 403, "forbidden")
    assert stock.stock(db, scope, "TEE") == []
    assert client.post("/api/v1/movements", json=move, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.get("/api/v1/me").json()["via"] == "session"


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    client, csrf = signed_in(api_app, db, scope, "viewer")
    stolen = dict(client.cookies)
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    replay = TestClient(api_app, cookies=stolen)
    assert_error(replay.get("/api/v1/me"), 401, "unauthorized", field="session")


def test_a_tampered_session_cookie_is_not_a_session(api_app: FastAPI, db: Database, scope: Scope) -> None:
    client, _ = signed_in(api_app, db, scope, "viewer")
    forged = TestClient(api_app, cookies={"truecount_session": client.cookies["truecount_session"][:-3] + "AAA"})
    assert_error(forged.get("/api/v1/me"), 401, "unauthorized")
