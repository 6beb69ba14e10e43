"""Bearer tokens are looked up once per ``auth_cache_s`` in a server process, and a revoke still holds at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from tests.api_factories import assert_error, token
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.accounts import api_tokens
from truecount.domain.accounts import Principal
from truecount.entrypoints.api.app import create_app
from truecount.services.accounts import token_cache
from truecount.services.accounts import users as accounts
from truecount.services.common.scope import Scope
from truecount.settings import Settings


def prefix_of(secret: str) -> str:
    return secret.split("_", 2)[2][:12]


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the database runs meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


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
    since = token_cache.generation(db)
    token_cache.forget_all(db)  # a revoke committed while the lookup was running
    token_cache.remember(db, "tc_1_secret", someone, 60.0, since)
    assert token_cache.cached(db, "tc_1_secret") is None
    token_cache.remember(db, "tc_1_secret", someone, 60.0, token_cache.generation(db))
    assert token_cache.cached(db, "tc_1_secret") == someone
    token_cache.forget_all(db)
    assert token_cache.cached(db, "tc_1_secret") is None
