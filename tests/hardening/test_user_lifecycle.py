"""Disable, enable, change role, set password — over the API, the page and the CLI. A disabled user's
tokens and sessions stop working at once; the merchant always keeps an active admin."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests import factories as f
from tests.api_factories import assert_error, merchant_code, signed_in, user
from truecount.adapters.db.engine import Database
from truecount.entrypoints.cli.main import app as cli_app
from truecount.services.accounts import users as accounts
from truecount.services.common.scope import Scope


def test_a_disabled_users_token_and_session_stop_at_once_and_enabling_restores_the_token(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope
) -> None:
    browser, _csrf = signed_in(api_app, db, scope, "staff")
    staff_name = browser.get("/api/v1/me").json()["name"]
    token = accounts.create_token(db, scope, staff_name)
    bearer = TestClient(api_app, headers={"Authorization": f"Bearer {token}"})
    assert bearer.get("/api/v1/me").status_code == 200

    answer = api.post(f"/api/v1/users/{staff_name}/disable")
    assert answer.status_code == 200 and answer.json() == {"name": staff_name, "role": "staff", "active": False}

    assert_error(bearer.get("/api/v1/me"), 401, "unauthorized")
    assert_error(browser.get("/api/v1/me"), 401, "unauthorized")
    assert browser.get("/scan").headers["location"].startswith("/login")
    assert api.post(f"/api/v1/users/{staff_name}/enable").json()["active"] is True
    assert bearer.get("/api/v1/me").status_code == 200
    assert_error(browser.get("/api/v1/me"), 401, "unauthorized")  # a session ended stays ended


def test_a_new_role_applies_from_the_next_request(
    api: TestClient, api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    name = user(db, scope, "staff")
    staff = TestClient(api_app, headers={"Authorization": f"Bearer {accounts.create_token(db, scope, name)}"})
    move = {"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": 1}
    assert staff.post("/api/v1/movements", json=move).status_code == 201
    assert api.put(f"/api/v1/users/{name}/role", json={"role": "viewer"}).json()["role"] == "viewer"
    assert_error(staff.post("/api/v1/movements", json=move), 403, "forbidden", field="role")
    assert_error(api.put(f"/api/v1/users/{name}/role", json={"role": "owner"}), 422, "invalid_input", field="role")


def test_a_new_password_ends_the_users_sessions_and_signs_in(
    api: TestClient, api_app: FastAPI, db: Database, scope: Scope
) -> None:
    browser, _ = signed_in(api_app, db, scope, "staff")
    name = browser.get("/api/v1/me").json()["name"]
    assert_error(api.put(f"/api/v1/users/{name}/password", json={"password": "short"}), 422, "invalid_input")
    assert api.put(f"/api/v1/users/{name}/password", json={"password": "a-new-password"}).status_code == 200
    assert_error(browser.get("/api/v1/me"), 401, "unauthorized")
    session, _ = accounts.sign_in(db, merchant_code(db, scope), name, "a-new-password")
    assert session


def test_the_last_active_admin_cannot_be_disabled_or_demoted(api: TestClient) -> None:
    me = api.get("/api/v1/me").json()["name"]
    assert_error(api.post(f"/api/v1/users/{me}/disable"), 409, "conflict", field="name")
    assert_error(api.put(f"/api/v1/users/{me}/role", json={"role": "staff"}), 409, "conflict", field="name")
    added = api.post("/api/v1/users", json={"name": "second-admin", "role": "admin", "password": "password-2"})
    assert added.status_code == 201
    assert api.put(f"/api/v1/users/{me}/role", json={"role": "staff"}).json()["role"] == "staff"


def test_only_an_admin_manages_users(client_as: object, api: TestClient) -> None:
    staff = client_as("staff")  # type: ignore[operator]
    assert_error(staff.get("/api/v1/users"), 403, "forbidden", field="role")
    assert_error(staff.post("/api/v1/users/x/disable"), 403, "forbidden", field="role")
    assert_error(api.post("/api/v1/users/nobody/disable"), 404, "not_found", field="name")
    assert {u["name"] for u in api.get("/api/v1/users").json()} >= {api.get("/api/v1/me").json()["name"]}


def test_the_users_page_lists_adds_and_disables(api_app: FastAPI, db: Database, scope: Scope) -> None:
    admin, csrf = signed_in(api_app, db, scope, "admin")
    target = user(db, scope, "staff")
    page = admin.get("/users")
    assert page.status_code == 200 and target in page.text
    added = admin.post(
        "/users", data={"csrf_token": csrf, "name": "newbie", "role": "viewer", "password": "password-9"}
    )
    assert added.status_code == 303
    refused = admin.post("/users", data={"csrf_token": csrf, "name": "x", "role": "viewer", "password": "short"})
    assert refused.status_code == 422 and "password" in refused.text
    assert admin.post(f"/users/{target}/disable", data={"csrf_token": csrf}).status_code == 303
    assert admin.post(f"/users/{target}/disable", data={}).status_code == 403  # no CSRF token: refused
    rows = {u.name: u for u in accounts.list_users(db, scope)}
    assert rows[target].active is False and rows["newbie"].role == "viewer"
    staff, _ = signed_in(api_app, db, scope, "staff")
    assert staff.get("/users").status_code == 403


def test_the_cli_disables_enables_changes_role_and_password(db: Database, scope: Scope) -> None:
    name = user(db, scope, "staff")
    merchant = merchant_code(db, scope)
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli_app, ["--db", db.url, "--merchant", merchant, "users", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "disabled" in run("disable", name)
    assert {u.name: u.active for u in accounts.list_users(db, scope)}[name] is False
    assert "enabled" in run("enable", name)
    assert "viewer" in run("role", name, "viewer")
    assert "changed" in run("password", name, "--password", "cli-password-1")
    assert accounts.sign_in(db, merchant, name, "cli-password-1")[1].role == "viewer"
    refused = runner.invoke(cli_app, ["--db", db.url, "--merchant", merchant, "users", "role", name, "owner"])
    assert refused.exit_code == 1 and "role" in refused.output
