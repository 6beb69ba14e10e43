"""Factories for API tests: users, tokens, clients, and the check that an error has the one shape."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from truecount.adapters.db.engine import Database
from truecount.services.accounts import users as accounts
from truecount.services.common.scope import Scope


def user(db: Database, scope: Scope, role: str = "admin", name: str | None = None, password: str = "password-1") -> str:
    name = name or f"{role}-{uuid.uuid4().hex[:8]}"
    accounts.add_user(db, scope, name, role, password)
    return name


def token(db: Database, scope: Scope, role: str = "admin") -> str:
    return accounts.create_token(db, scope, user(db, scope, role))


def client_for(app: FastAPI, db: Database, scope: Scope, role: str = "admin") -> TestClient:
    """An in-process client whose every request carries a fresh bearer token of ``role``."""
    return TestClient(app, headers={"Authorization": f"Bearer {token(db, scope, role)}"})


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The response is the one error shape with this status and code (and names ``field``, if given)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)
    if field is not None:
        fields = [d.get("field") for d in error["details"]]
        assert field in fields, error
    return dict(error)


def signed_in(app: FastAPI, db: Database, scope: Scope, role: str = "staff") -> tuple[TestClient, str]:
    """A browser-like client signed in through the sign-in form, and the page's CSRF token."""
    name = user(db, scope, role)
    client = TestClient(app, follow_redirects=False)
    client.get("/login")
    merchant = merchant_code(db, scope)
    response = client.post(
        "/login",
        data={
            "csrf_token": client.cookies["truecount_login_csrf"],
            "merchant": merchant,
            "name": name,
            "password": "password-1",
        },
    )
    assert response.status_code == 303, response.text
    page = client.get("/scan")
    marker = 'name="csrf-token" content="'
    start = page.text.index(marker) + len(marker)
    return client, page.text[start : page.text.index('"', start)]


def merchant_code(db: Database, scope: Scope) -> str:
    from sqlalchemy import select

    from truecount.adapters.db.tables.catalog import merchants

    with db.read() as conn:
        return str(conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one())
