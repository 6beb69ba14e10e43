"""``/api/v1/suppliers`` in-process, on both backends: add, list, show with items, set items, refusals."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.suppliers.records import list_suppliers

ACME = {"code": "ACME", "name": "Acme Ltd", "email": "po@acme.example", "location": "DS-ACME", "lead_days": 3}


def drop_shippers(db: Database, scope: Scope) -> None:
    f.location(db, scope, "DS-ACME", kind="dropship")
    f.location(db, scope, "WH1")
    f.variant(db, scope, "SNK")
    f.variant(db, scope, "TEE")


def test_a_supplier_is_added_listed_and_shown_with_the_items_it_carries(
    db: Database, scope: Scope, api: TestClient
) -> None:
    drop_shippers(db, scope)
    created = api.post("/api/v1/suppliers", json=ACME | {"cutoff": "14:00", "currency": "GBP"})
    assert created.status_code == 201, created.text
    assert created.json() == ACME | {"cutoff": "14:00", "currency": "GBP", "send": "now", "replayed": False}
    item = api.put("/api/v1/suppliers/ACME/items/SNK", json={"cost": "4.2", "supplier_sku": "A-1", "case": 12})
    assert item.status_code == 201, item.text
    assert item.json()["item"] == {
        "sku": "SNK",
        "supplier_sku": "A-1",
        "cost": "4.20",
        "currency": "GBP",
        "case": 12,
        "discontinued": False,
    }
    replaced = api.put("/api/v1/suppliers/ACME/items/SNK", json={"cost": "3.99"})
    assert replaced.status_code == 200 and replaced.json()["created"] is False
    assert api.put("/api/v1/suppliers/ACME/items/TEE", json={"cost": "0"}).status_code == 201
    listed = api.get("/api/v1/suppliers")
    assert listed.status_code == 200 and [s["code"] for s in listed.json()] == ["ACME"]
    assert "items" not in listed.json()[0]
    shown = api.get("/api/v1/suppliers/ACME")
    assert shown.status_code == 200
    assert shown.json()["items"] == [
        {"sku": "SNK", "supplier_sku": None, "cost": "3.99", "currency": "GBP", "case": 1, "discontinued": False},
        {"sku": "TEE", "supplier_sku": None, "cost": "0.00", "currency": "GBP", "case": 1, "discontinued": False},
    ]


def test_bad_suppliers_and_items_are_refused_naming_the_field_and_write_nothing(
    db: Database, scope: Scope, api: TestClient
) -> None:
    drop_shippers(db, scope)
    assert_error(api.post("/api/v1/suppliers", json=ACME | {"location": "WH1"}), 422, "invalid_input", "location")
    assert_error(api.post("/api/v1/suppliers", json=ACME | {"location": "NOPE"}), 404, "not_found", "location")
    assert_error(api.post("/api/v1/suppliers", json=ACME | {"email": "nobody"}), 422, "invalid_input", "email")
    assert_error(api.post("/api/v1/suppliers", json=ACME | {"cutoff": "9am"}), 422, "invalid_input", "cutoff")
    assert_error(api.post("/api/v1/suppliers", json=ACME | {"lead_days": "3"}), 422, "invalid_input", "lead_days")
    assert list_suppliers(db, scope) == []
    assert api.post("/api/v1/suppliers", json=ACME).status_code == 201
    assert_error(api.post("/api/v1/suppliers", json=ACME), 409, "already_exists", "code")
    put = api.put
    assert_error(put("/api/v1/suppliers/ACME/items/SNK", json={"cost": 4.2}), 422, "invalid_input", "cost")
    assert_error(put("/api/v1/suppliers/ACME/items/SNK", json={"cost": "-4"}), 422, "invalid_input", "cost")
    assert_error(put("/api/v1/suppliers/ACME/items/SNK", json={"cost": "1", "case": 0}), 422, "invalid_input", "case")
    assert_error(put("/api/v1/suppliers/ACME/items/NOPE", json={"cost": "1"}), 404, "not_found", "sku")
    assert_error(put("/api/v1/suppliers/NOPE/items/SNK", json={"cost": "1"}), 404, "not_found", "supplier")
    assert_error(api.get("/api/v1/suppliers/NOPE"), 404, "not_found", "code")
    assert api.get("/api/v1/suppliers/ACME").json()["items"] == []


def test_a_viewer_reads_suppliers_and_may_not_write_them(
    db: Database, scope: Scope, api: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    drop_shippers(db, scope)
    assert api.post("/api/v1/suppliers", json=ACME).status_code == 201
    viewer = client_as("viewer")
    assert viewer.get("/api/v1/suppliers/ACME").status_code == 200
    assert_error(viewer.post("/api/v1/suppliers", json=ACME | {"code": "B"}), 403, "forbidden")
    assert_error(viewer.put("/api/v1/suppliers/ACME/items/SNK", json={"cost": "1"}), 403, "forbidden")


def test_a_cheapest_channel_set_up_over_http_books_at_the_cheaper_supplier_and_says_why(
    db: Database, scope: Scope, api: TestClient
) -> None:
    drop_shippers(db, scope)
    f.location(db, scope, "DS-BOLT", kind="dropship")
    for code, location, cost in (("ACME", "DS-ACME", "9.10"), ("BOLT", "DS-BOLT", "8.90")):
        body = ACME | {"code": code, "location": location}
        assert api.post("/api/v1/suppliers", json=body).status_code == 201
        assert api.put(f"/api/v1/suppliers/{code}/items/SNK", json={"cost": cost}).status_code == 201
        f.move(db, scope, "feed", "SNK", location, 10)
    channel = {"code": "web", "kind": "manual", "locations": ["WH1", "DS-ACME", "DS-BOLT"], "allocation": "cheapest"}
    created = api.post("/api/v1/channels", json=channel)
    assert created.status_code == 201 and created.json()["allocation"] == "cheapest", created.text
    order = {"channel": "web", "external_id": "H1", "lines": [{"sku": "SNK", "quantity": 2}]}
    assert api.post("/api/v1/orders", json=order).status_code == 201
    (po,) = api.get("/api/v1/dropship-orders").json()
    assert po["supplier"] == "DS-BOLT"
    assert po["lines"] == [
        {"line": 1, "sku": "SNK", "quantity": 2, "why": "cheapest: BOLT at 8.90 EUR a unit (others: ACME 9.10 EUR)"}
    ]
    refused = api.post("/api/v1/channels", json=channel | {"code": "w2", "allocation": "dearest"})
    assert_error(refused, 422, "invalid_input", "allocation")


def test_a_variant_s_own_supplier_choice_rule_is_set_shown_and_cleared(
    db: Database, scope: Scope, api: TestClient
) -> None:
    drop_shippers(db, scope)
    assert api.get("/api/v1/variants/SNK/supplier-choice").json() == {"sku": "SNK", "rule": None, "replayed": False}
    saved = api.put("/api/v1/variants/SNK/supplier-choice", json={"rule": "reliable"})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"sku": "SNK", "rule": "reliable", "replayed": False}
    assert api.get("/api/v1/variants/SNK/supplier-choice").json()["rule"] == "reliable"
    assert api.put("/api/v1/variants/SNK/supplier-choice", json={"rule": "own_first"}).json()["rule"] == "own_first"
    cleared = api.put("/api/v1/variants/SNK/supplier-choice", json={"rule": None})
    assert cleared.status_code == 200 and cleared.json()["rule"] is None
    assert api.get("/api/v1/variants/SNK/supplier-choice").json()["rule"] is None


def test_a_bad_supplier_choice_rule_is_refused_naming_the_field_and_writes_nothing(
    db: Database, scope: Scope, api: TestClient
) -> None:
    drop_shippers(db, scope)
    bad = api.put("/api/v1/variants/SNK/supplier-choice", json={"rule": "quickest"})
    error = assert_error(bad, 422, "invalid_input", "rule")
    assert "fastest" in error["message"]
    assert_error(api.put("/api/v1/variants/NOPE/supplier-choice", json={"rule": "fastest"}), 404, "not_found", "sku")
    assert_error(api.put("/api/v1/variants/SNK/supplier-choice", json={}), 422, "invalid_input", "rule")
    assert api.get("/api/v1/variants/SNK/supplier-choice").json()["rule"] is None
