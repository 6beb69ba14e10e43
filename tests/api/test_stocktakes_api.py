"""``/api/v1/stocktakes``: a blind count hides expected figures from staff, only an admin approves
it; refusals in the one error shape; approval posts the counts once."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error, client_for
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service


def test_a_blind_stocktake_hides_expected_from_staff_and_is_approved_by_an_admin(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE", barcodes=["400000000001"])
    f.receive(db, scope, "TEE", 6, "WH1")
    staff, admin = client_for(api_app, db, scope, "staff"), client_for(api_app, db, scope, "admin")
    started = staff.post("/api/v1/stocktakes", json={"location": "WH1", "blind": True})
    assert started.status_code == 201, started.text
    sid = started.json()["id"]
    assert started.json()["lines"][0]["expected"] is None and started.json()["expected_shown"] is False
    counted = staff.post(f"/api/v1/stocktakes/{sid}/counts", json={"lines": [{"sku": "400000000001", "counted": 4}]})
    assert counted.status_code == 200 and counted.json()["lines"][0]["variance"] is None
    assert_error(staff.post(f"/api/v1/stocktakes/{sid}/approve"), 403, "forbidden", "role")
    seen = admin.get(f"/api/v1/stocktakes/{sid}").json()
    assert (seen["lines"][0]["expected"], seen["lines"][0]["variance"], seen["variance_units"]) == (6, -2, -2)
    assert admin.post(f"/api/v1/stocktakes/{sid}/approve").json()["status"] == "approved"
    assert_error(admin.post(f"/api/v1/stocktakes/{sid}/approve"), 409, "stocktake_closed", "id")
    assert [r.on_hand for r in stock_service.stock(db, scope, "TEE")] == [4]
    assert [s["id"] for s in staff.get("/api/v1/stocktakes").json()] == [sid]


def test_bad_stocktake_requests_are_refused_by_field_and_write_nothing(
    api: TestClient, api_app: FastAPI, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH2")
    f.variant(db, scope, "TEE")
    assert_error(api.post("/api/v1/stocktakes", json={"location": "NOPE"}), 404, "not_found", "location")
    assert_error(
        api.post("/api/v1/stocktakes", json={"location": "WH1", "bins": ["WH2"]}), 422, "invalid_input", "bins[0]"
    )
    assert api.get("/api/v1/stocktakes").json() == []
    sid = api.post("/api/v1/stocktakes", json={"location": "WH1"}).json()["id"]
    negative = api.post(f"/api/v1/stocktakes/{sid}/counts", json={"lines": [{"sku": "TEE", "counted": -1}]})
    assert_error(negative, 422, "invalid_input")
    elsewhere = api.post(
        f"/api/v1/stocktakes/{sid}/counts", json={"lines": [{"sku": "TEE", "counted": 1, "place": "WH2"}]}
    )
    assert_error(elsewhere, 422, "invalid_input", "lines[0].place")
    assert_error(api.post(f"/api/v1/stocktakes/{sid}/approve"), 422, "invalid_input", "lines")
    assert_error(api.get("/api/v1/stocktakes/999999"), 404, "not_found", "id")
    viewer = client_for(api_app, db, scope, "viewer")
    assert_error(viewer.post("/api/v1/stocktakes", json={"location": "WH1"}), 403, "forbidden")
    assert stock_service.history(db, scope, "TEE") == []
