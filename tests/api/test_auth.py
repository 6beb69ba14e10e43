"""Every call needs credentials; roles limit what a caller may do; a merchant sees only its own data."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error, client_for
from truecount.adapters.db.engine import Database
from truecount.services.catalog import records as catalog
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock


def test_a_call_without_credentials_is_refused_with_401(api_app: FastAPI) -> None:
    response = TestClient(api_app).get("/api/v1/variants")
    assert_error(response, 401, "unauthorized", field="authorization")
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_a_malformed_or_a_non_bearer_token_is_refused(api_app: FastAPI, api: TestClient) -> None:
    real = api.headers["authorization"].removeprefix("Bearer ")
    client = TestClient(api_app)
    for header in (f"Bearer {real[:-4]}xxxx", "Bearer nonsense", f"Basic {real}", "Bearer "):
        assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthorized")


def test_me_names_the_caller_behind_the_token(api: TestClient, scope: Scope) -> None:
    me = api.get("/api/v1/me").json()
    assert me["role"] == "admin" and me["merchant_id"] == scope.merchant_id and me["via"] == "token"


def test_a_viewer_reads_but_cannot_write_and_nothing_is_written(
    db: Database, scope: Scope, client_as: Callable[[str], TestClient]
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    viewer = client_as("viewer")
    assert viewer.get("/api/v1/variants").status_code == 200
    move = {"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": 5}
    assert_error(viewer.post("/api/v1/movements", json=move), 403, "forbidden", field="role")
    assert_error(viewer.post("/api/v1/locations", json={"code": "X", "name": "X"}), 403, "forbidden")
    assert stock.stock(db, scope, "TEE") == []
    assert client_as("staff").post("/api/v1/movements", json=move).status_code == 201


def test_staff_moves_stock_but_cannot_change_the_catalogue(
    db: Database, scope: Scope, client_as: Callable[[str], TestClient]
) -> None:
    staff = client_as("staff")
    assert_error(staff.post("/api/v1/locations", json={"code": "X", "name": "X"}), 403, "forbidden")
    product = {"name": "Tee", "variants": [{"sku": "TEE"}]}
    assert_error(staff.post("/api/v1/products", json=product), 403, "forbidden")
    assert stock.search_variants(db, scope) == []


def test_merchant_a_cannot_read_or_move_merchant_b_stock(api_app: FastAPI, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "SECRET-1")
    f.receive(db, scope, "SECRET-1", 9, "WH1")
    with db.write() as conn:
        other = Scope(catalog.ensure_merchant(conn, f"other-{scope.merchant_id}", "other"), "test")
    intruder = client_for(api_app, db, other, "admin")
    assert intruder.get("/api/v1/variants", params={"q": "SECRET"}).json() == []
    assert intruder.get("/api/v1/stock").json() == []
    assert_error(intruder.get("/api/v1/stock/SECRET-1/history"), 404, "not_found", field="sku")
    move = {"kind": "adjust", "sku": "SECRET-1", "location": "WH1", "quantity": -9, "reason": "theft"}
    assert_error(intruder.post("/api/v1/movements", json=move), 404, "not_found")
    assert stock.stock(db, scope, "SECRET-1")[0].on_hand == 9
