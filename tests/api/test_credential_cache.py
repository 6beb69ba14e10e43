"""Bearer tokens and sign-in sessions are looked up once per ``auth_cache_s`` in a server process, and a
revoke, a sign-out or a user change still holds at once there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from tests.api_factories import assert_error, merchant_code, token, user
from tests.sent import statements
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.accounts import api_tokens, sessions
from truecount.domain.accounts import Principal
from truecount.entrypoints.api.app import create_app
from truecount.services.accounts import credential_cache, lifecycle
from truecount.services.accounts import users as accounts
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.settings import Settings


def prefix_of(secret: str) -> str:
    return secret.split("_", 2)[2][:12]


def test_a_known_token_is_not_looked_up_again_on_the_next_request(api_app: FastAPI, db: Database, scope: Scope) -> None:
    client = TestClient(api_app, headers={"Authorization": f"Bearer {token(db, scope, 'viewer')}"})
    assert client.get("/api/v1/me").status_code == 200
    with statements(db) as seen:
        assert client.get("/api/v1/me").status_code == 200
    assert not [s for s in seen if "api_tokens" in s]


def test_a_token_revoked_is_refused_at_once_although_its_lookup_was_cached(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    secret = token(db, scope, "staff")
    client = TestClient(api_app, headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/me").status_code == 200
    accounts.revoke_token(db, scope, prefix_of(secret))
    assert_error(client.get("/api/v1/me"), 401, "unauthorized", "authorization")


def test_with_the_cache_off_a_revoke_made_elsewhere_holds_on_the_next_request(db: Database, scope: Scope) -> None:
    app = create_app(Settings(database_url=db.url, secret_key="test-secret", auth_cache_s=0), db)
    secret = token(db, scope, "staff")
    client = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/me").status_code == 200
    with db.write() as conn:  # as another process would: this process's cache is not told
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.merchant_id == scope.merchant_id, api_tokens.c.prefix == prefix_of(secret))
            .values(revoked_at=api_tokens.c.created_at)
        )
    assert_error(client.get("/api/v1/me"), 401, "unauthorized", "authorization")


def test_a_lookup_under_way_when_the_cache_is_cleared_is_not_kept(db: Database) -> None:
    someone = Principal(1, 1, "someone", "staff", "token")
    since = credential_cache.generation(db)
    credential_cache.forget_all(db)  # a revoke committed while the lookup was running
    credential_cache.remember(db, "tc_1_secret", someone, 60.0, since)
    assert credential_cache.cached(db, "tc_1_secret") is None
    credential_cache.remember(db, "tc_1_secret", someone, 60.0, credential_cache.generation(db))
    assert credential_cache.cached(db, "tc_1_secret") == someone
    credential_cache.forget_all(db)
    assert credential_cache.cached(db, "tc_1_secret") is None


def signed_in_as(app: FastAPI, db: Database, scope: Scope, role: str) -> tuple[TestClient, str]:
    """A browser-like client signed in through the form, and the user's name."""
    name = user(db, scope, role)
    client = TestClient(app, follow_redirects=False)
    client.get("/login")
    form = {
        "csrf_token": client.cookies["truecount_login_csrf"],
        "merchant": merchant_code(db, scope),
        "name": name,
        "password": "password-1",
    }
    assert client.post("/login", data=form).status_code == 303
    return client, name


def test_a_known_session_is_not_looked_up_again_on_the_next_request(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    client, _ = signed_in_as(api_app, db, scope, "viewer")
    assert client.get("/api/v1/me").json()["via"] == "session"
    with statements(db) as seen:
        assert client.get("/").status_code == 200
    assert not [s for s in seen if "sessions" in s]


def test_a_disabled_users_session_is_refused_at_once_although_its_lookup_was_cached(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    client, name = signed_in_as(api_app, db, scope, "staff")
    assert client.get("/api/v1/me").status_code == 200
    lifecycle.disable_user(db, scope, name)
    assert_error(client.get("/api/v1/me"), 401, "unauthorized", "session")
    assert client.get("/").headers["location"].startswith("/login")


def test_a_demoted_users_session_has_the_new_role_on_the_next_request(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    user(db, scope, "admin")  # the merchant keeps an admin
    client, name = signed_in_as(api_app, db, scope, "admin")
    assert client.get("/api/v1/me").json()["role"] == "admin"
    lifecycle.set_role(db, scope, name, "viewer")
    assert client.get("/api/v1/me").json()["role"] == "viewer"


def test_with_the_cache_off_a_session_ended_elsewhere_is_refused_on_the_next_request(
    db: Database, scope: Scope
) -> None:
    app = create_app(Settings(database_url=db.url, secret_key="test-secret", auth_cache_s=0), db)
    client, _ = signed_in_as(app, db, scope, "viewer")
    assert client.get("/api/v1/me").status_code == 200
    with db.write() as conn:  # as another process would: this process's cache is not told
        conn.execute(delete(sessions).where(sessions.c.merchant_id == scope.merchant_id))
    assert_error(client.get("/api/v1/me"), 401, "unauthorized", "session")


def test_a_sessions_lookup_is_never_kept_past_the_sessions_expiry(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(credential_cache, "clock", lambda: now[0])
    app = create_app(Settings(database_url=db.url, secret_key="test-secret", auth_cache_s=60), db)
    client, _ = signed_in_as(app, db, scope, "viewer")
    with db.write() as conn:  # the session ends 30 s from now, well within the cache's 60 s
        conn.execute(
            update(sessions)
            .where(sessions.c.merchant_id == scope.merchant_id)
            .values(expires_at=db_time(utcnow() + timedelta(seconds=30)))
        )
    credential_cache.forget_all(db)
    assert client.get("/api/v1/me").status_code == 200  # looked up: 30 s left
    now[0] += 20
    with statements(db) as seen:
        assert client.get("/api/v1/me").status_code == 200
    assert not [s for s in seen if "sessions" in s]  # still remembered
    now[0] += 15  # past the session's expiry, within the cache's 60 s
    with statements(db) as seen:
        assert client.get("/api/v1/me").status_code == 200  # the database's clock has not moved
    assert [s for s in seen if "sessions" in s]  # looked up again, not taken from the cache
