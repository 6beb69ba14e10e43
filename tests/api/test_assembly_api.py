"""``/api/v1/boms``, ``/api/v1/work-orders`` and ``PATCH /api/v1/variants/{sku}``: a raw material,
a kit's bill, a work order released, completed and refused, each refusal in the one error shape."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests import offer_factories as of
from tests.api_factories import assert_error, client_for
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service


def shop(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    for sku in ("BOX", "CARD", "KIT"):
        f.variant(db, scope, sku)
    f.receive(db, scope, "BOX", 10, "WH1")
    f.receive(db, scope, "CARD", 3, "WH1")
    of.channel(db, scope, "web", ["WH1"])


def test_a_raw_material_patched_not_for_sale_is_offered_nothing(api: TestClient, db: Database, scope: Scope) -> None:
    shop(db, scope)
    of.listing(db, scope, "web", "BOX")
    patched = api.patch("/api/v1/variants/BOX", json={"for_sale": False})
    assert patched.status_code == 200 and patched.json()["for_sale"] is False, patched.text
    assert of.stored(db, scope)[("web", "BOX")] == 0
    assert api.get("/api/v1/variants/BOX").json()["for_sale"] is False
    api.patch("/api/v1/variants/CARD", json={"for_sale": False})
    listing = api.post("/api/v1/channels/web/listings", json={"sku": "CARD", "external_ref": "web-card"})
    assert_error(listing, 422, "invalid_input", "sku")
    assert_error(api.patch("/api/v1/variants/BOX", json={"colour": "red"}), 422, "invalid_input", "colour")


def test_a_bill_is_put_read_and_listed_and_bad_ones_are_refused_naming_the_field(
    api: TestClient, db: Database, scope: Scope
) -> None:
    shop(db, scope)
    put = api.put("/api/v1/boms/KIT", json={"components": [{"sku": "BOX", "quantity": 2}], "mode": "ahead"})
    assert put.status_code == 200, put.text
    assert put.json() == {
        "sku": "KIT",
        "mode": "ahead",
        "for_sale": True,
        "build_to_order_at": None,
        "components": [{"sku": "BOX", "quantity": 2}],
    }
    assert api.get("/api/v1/boms/KIT").json() == put.json()
    assert [b["sku"] for b in api.get("/api/v1/boms").json()] == ["KIT"]
    unknown = api.put("/api/v1/boms/KIT", json={"components": [{"sku": "NOPE", "quantity": 1}]})
    assert_error(unknown, 422, "invalid_input", "components[0].sku")
    assert_error(
        api.put("/api/v1/boms/BOX", json={"components": [{"sku": "KIT", "quantity": 1}], "mode": "ahead"}),
        422,
        "invalid_input",
        "components",
    )  # KIT contains BOX: a cycle
    assert_error(api.get("/api/v1/boms/BOX"), 404, "not_found", "sku")
    assert api.get("/api/v1/boms/KIT").json()["components"] == [{"sku": "BOX", "quantity": 2}]


def test_a_work_order_goes_from_draft_to_done_and_staff_may_run_it_but_not_set_bills(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    shop(db, scope)
    admin, staff = client_for(api_app, db, scope, "admin"), client_for(api_app, db, scope, "staff")
    body = {"components": [{"sku": "BOX", "quantity": 2}, {"sku": "CARD", "quantity": 1}], "mode": "both"}
    assert_error(staff.put("/api/v1/boms/KIT", json=body), 403, "forbidden", "role")
    assert admin.put("/api/v1/boms/KIT", json=body).status_code == 200
    created = staff.post("/api/v1/work-orders", json={"sku": "KIT", "quantity": 4, "location": "WH1"})
    assert created.status_code == 201, created.text
    wo = created.json()["id"]
    assert {k: v for k, v in created.json().items() if k != "created_at"} == {
        "id": wo,
        "sku": "KIT",
        "location": "WH1",
        "quantity": 4,
        "produced": 0,
        "scrapped": 0,
        "open": 4,
        "status": "draft",
        "created_by": created.json()["created_by"],
        "components": [],
        "consumed_cost": "0.00",
        "kit_cost": None,
        "cost_unknown": None,
    }
    short = staff.post(f"/api/v1/work-orders/{wo}/release")
    error = assert_error(short, 409, "insufficient_stock")
    assert error["details"][0]["missing"] == 1 and error["details"][0]["sku"] == "CARD"
    f.receive(db, scope, "CARD", 1, "WH1")
    released = staff.post(f"/api/v1/work-orders/{wo}/release", headers={"Idempotency-Key": "rel-1"})
    assert released.status_code == 200 and released.json()["status"] == "released"
    again = staff.post(f"/api/v1/work-orders/{wo}/release", headers={"Idempotency-Key": "rel-1"})
    assert again.status_code == 200 and again.json() == released.json()  # the key's first answer, not a second booking
    assert [(r.on_hand, r.booked) for r in stock_service.stock(db, scope, "BOX")] == [(10, 8)]
    assert_error(
        staff.post(f"/api/v1/work-orders/{wo}/complete", json={"quantity": 1, "scrap": 1}),
        422,
        "invalid_input",
        "reason",
    )
    done = staff.post(f"/api/v1/work-orders/{wo}/complete", json={"quantity": 3, "scrap": 1, "reason": "bent"})
    assert done.status_code == 200 and (done.json()["status"], done.json()["produced"]) == ("done", 3)
    assert [w["id"] for w in staff.get("/api/v1/work-orders?status=done").json()] == [wo]
    assert_error(staff.post(f"/api/v1/work-orders/{wo}/cancel"), 409, "conflict", "status")
    assert_error(staff.get("/api/v1/work-orders/999999999"), 404, "not_found", "work_order")
    assert_error(
        staff.post("/api/v1/work-orders", json={"sku": "KIT", "quantity": 0, "location": "WH1"}),
        422,
        "invalid_input",
        "quantity",
    )
