"""``/api/v1/pick-lists``: a pick list made for an order, read back, printed as a PDF and scanned
against; refusals in the one error shape, naming the field."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as o
from tests.api_factories import assert_error, client_for
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope


def test_a_pick_list_is_made_read_printed_and_scanned_to_completion(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.variant(db, scope, "TEE", barcodes=["400000000001"])
    f.receive(db, scope, "TEE", 5, "WH1-A", lot="L1")
    of.channel(db, scope, "web", ["WH1"])
    order = int(o.order(db, scope, "o1", ("TEE", 2)).id)
    staff, viewer = client_for(api_app, db, scope, "staff"), client_for(api_app, db, scope, "viewer")
    assert_error(viewer.post("/api/v1/pick-lists", json={"location": "WH1", "orders": [order]}), 403, "forbidden")
    made = staff.post("/api/v1/pick-lists", json={"location": "WH1", "orders": [order]})
    assert made.status_code == 201, made.text
    picks = made.json()
    assert {k: v for k, v in picks.items() if k not in ("id", "created_at", "created_by")} == {
        "location": "WH1",
        "orders": [order],
        "work_orders": [],
        "complete": False,
        "lines": [
            {
                "line": 1,
                "place": "WH1-A",
                "sku": "TEE",
                "inventory_type": "good",
                "lot": "L1",
                "expires_on": None,
                "quantity": 2,
                "picked": 0,
                "order": order,
                "work_order": None,
            }
        ],
    }
    assert viewer.get(f"/api/v1/pick-lists/{picks['id']}").json() == picks
    assert [p["id"] for p in viewer.get("/api/v1/pick-lists").json()] == [picks["id"]]
    pdf = viewer.get(f"/api/v1/pick-lists/{picks['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"(WH1-A)" in pdf.content

    scans = f"/api/v1/pick-lists/{picks['id']}/scans"
    ticked = staff.post(scans, json={"code": "400000000001"})
    assert ticked.status_code == 200 and ticked.json()["lines"] == [1], ticked.text
    assert_error(staff.post(scans, json={"code": "TEE", "quantity": 2}), 409, "conflict", "code")  # one more only
    assert_error(staff.post(scans, json={"code": "NOPE"}), 404, "not_found", "code")
    assert_error(staff.post(scans, json={"code": "TEE", "quantity": 0}), 422, "invalid_input", "quantity")
    done = staff.post(scans, json={"code": "TEE"})
    assert done.json()["pick_list"]["complete"] is True


def test_bad_pick_lists_are_refused_naming_the_field(api: TestClient, db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    assert_error(api.post("/api/v1/pick-lists", json={"location": "WH1"}), 422, "invalid_input", "orders")
    assert_error(
        api.post("/api/v1/pick-lists", json={"location": "WH1", "orders": [999999]}), 404, "not_found", "orders"
    )
    assert_error(
        api.post("/api/v1/pick-lists", json={"location": "WH1", "orders": ["x"]}), 422, "invalid_input", "orders[0]"
    )
    assert_error(api.post("/api/v1/pick-lists", json={"location": "NOWHERE", "work_orders": [1]}), 404, "not_found")
    assert_error(api.get("/api/v1/pick-lists/999999"), 404, "not_found", "pick_list")
    assert api.get("/api/v1/pick-lists").json() == []
