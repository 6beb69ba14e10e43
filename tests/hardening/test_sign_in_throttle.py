"""Sign-in is throttled per account and per client address (429 with a growing Retry-After), before any
password is checked; hashing work is bounded."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_factories import merchant_code, user
from truecount.adapters.db.engine import Database
from truecount.domain.throttle import pause_s
from truecount.entrypoints.api.app import create_app
from truecount.services.common.scope import Scope
from truecount.settings import Settings


def test_the_pause_doubles_after_the_free_failures_and_is_capped() -> None:
    assert [pause_s(n, 5, 1.0, 10.0) for n in range(4, 11)] == [0.0, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def attempt(client: TestClient, merchant: str, name: str, password: str) -> tuple[int, str | None]:
    client.get("/login")
    answer = client.post(
        "/login",
        data={
            "csrf_token": client.cookies["truecount_login_csrf"],
            "merchant": merchant,
            "name": name,
            "password": password,
        },
        follow_redirects=False,
    )
    return answer.status_code, answer.headers.get("retry-after")


def fresh_app(db: Database) -> FastAPI:
    """An app of its own: the throttle's counts are per process (per app here)."""
    return create_app(Settings(database_url=db.url, secret_key="test-secret", sign_in_pause_s=30.0), db)


def test_after_five_failures_even_the_right_password_waits_and_the_wait_grows(db: Database, scope: Scope) -> None:
    name, merchant = user(db, scope, "staff"), merchant_code(db, scope)
    client = TestClient(fresh_app(db))
    assert [attempt(client, merchant, name, "wrong")[0] for _ in range(5)] == [401] * 5
    status, retry = attempt(client, merchant, name, "password-1")
    assert status == 429 and retry is not None and 25 <= int(retry) <= 30
    assert client.get("/api/v1/me").status_code == 401  # no session was opened


def test_one_client_address_guessing_many_accounts_is_paused_too(db: Database, scope: Scope) -> None:
    merchant = merchant_code(db, scope)
    names = [user(db, scope, "viewer") for _ in range(6)]
    client = TestClient(fresh_app(db))
    answers = [attempt(client, merchant, name, "wrong")[0] for name in names]
    assert answers == [401] * 5 + [429]


def test_a_success_clears_the_accounts_count(db: Database, scope: Scope) -> None:
    name, merchant = user(db, scope, "staff"), merchant_code(db, scope)
    app = fresh_app(db)
    for n in range(3):  # three rounds of four failures and a success, from three addresses
        client = TestClient(app, client=(f"10.0.0.{n}", 1234))
        assert [attempt(client, merchant, name, "wrong")[0] for _ in range(4)] == [401] * 4
        assert attempt(client, merchant, name, "password-1")[0] == 303
