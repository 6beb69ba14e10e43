"""A busy database is a 503 with Retry-After, never a 500: nothing is written, the client may retry."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from tests import factories as f
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.services.bootstrap import open_database
from truecount.services.common.scope import Scope
from truecount.settings import Settings


@contextmanager
def held(db: Database, merchant_id: int) -> Iterator[None]:
    """Another process's transaction holding what a receive must write (SQLite: the write lock;
    PostgreSQL: the merchant's stock level rows)."""
    url = make_url(db.url)
    if db.is_sqlite:
        other = sqlite3.connect(url.database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as other:
        other.execute("SELECT 1 FROM stock_levels WHERE merchant_id = %s FOR UPDATE", (merchant_id,))
        yield
        other.rollback()


def test_a_write_that_cannot_get_its_lock_in_time_is_a_503_with_retry_after(
    db: Database, scope: Scope, api: TestClient
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    settings = Settings(
        database_url=db.url, secret_key="test-secret", sqlite_busy_timeout_ms=100, pg_lock_timeout_ms=100
    )
    impatient = open_database(db.url, busy_timeout_ms=100, lock_timeout_ms=100)
    try:
        client = TestClient(create_app(settings, impatient), headers=dict(api.headers))
        body = {"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": 3}
        with held(db, scope.merchant_id):
            response = client.post("/api/v1/movements", json=body)
        assert_error(response, 503, "busy")
        assert response.headers["retry-after"] == str(settings.busy_retry_after_s)
        rows = client.get("/api/v1/stock", params={"sku": "TEE"}).json()
        assert [r["on_hand"] for r in rows] == [5], "a refused write wrote something"
        assert client.post("/api/v1/movements", json=body).status_code == 201  # the retry goes through
    finally:
        impatient.dispose()
