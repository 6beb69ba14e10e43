"""``POST /api/v1/purchase-orders/{id}/shipments`` and ``POST /api/v1/purchase-orders/shipments:csv``
in-process on both backends: a shipment ships the order lines it covers, shows in the purchase order's
view, honours Idempotency-Key, is recorded once per tracking number, and refusals write nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests import order_factories as o
from tests.api_factories import assert_error
from tests.purchase_factories import sent, two_suppliers
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope


def test_a_shipment_ships_the_lines_and_shows_in_the_purchase_order(
    db: Database, scope: Scope, api: TestClient
) -> None:
    two_suppliers(db, scope)
    placed = o.order(db, scope, "W1", ("SNK", 3))
    sent(db, scope)
    (po,) = api.get("/api/v1/purchase-orders", params={"supplier": "ACME"}).json()
    url = f"/api/v1/purchase-orders/{po['id']}/shipments"
    body = {
        "carrier": "UPS",
        "tracking": "1Z9",
        "tracking_url": "https://ups.example/1Z9",
        "lines": [{"sku": "SNK", "quantity": 2}],
    }
    made = api.post(url, json=body, headers={"Idempotency-Key": "ship-1"})
    assert made.status_code == 201, made.text
    answer = made.json()
    assert answer["created"] and answer["shipment"]["tracking_url"] == "https://ups.example/1Z9"
    assert answer["purchase_order"]["state"] == "shipped"
    replay = api.post(url, json=body, headers={"Idempotency-Key": "ship-1"})
    assert replay.status_code == 200 and replay.json()["replayed"]
    same = api.post(url, json=body)  # no key: the tracking number says it is the same shipment
    assert same.status_code == 200 and not same.json()["created"]
    shown = api.get(f"/api/v1/purchase-orders/{po['id']}").json()
    assert [(s["carrier"], s["tracking"], s["source"]) for s in shown["shipments"]] == [("UPS", "1Z9", "api")]
    assert shown["shipments"][0]["lines"] == [
        {"channel": "web", "external_id": "W1", "line": 1, "sku": "SNK", "quantity": 2}
    ]
    order = api.get(f"/api/v1/orders/{placed.id}").json()
    assert order["lines"][0]["fulfilled"] == 2
    rest = api.post(url, json={"carrier": "UPS", "tracking": "1Z10"})
    assert rest.status_code == 201 and rest.json()["purchase_order"]["state"] == "closed"
    figures = api.get("/api/v1/suppliers/ACME").json()["reliability"]
    assert (figures["shipped"], figures["on_time_percent"]) == (1, 100.0)


def test_refusals_name_the_field_and_write_nothing(db: Database, scope: Scope, api: TestClient) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    (po,) = api.get("/api/v1/purchase-orders", params={"supplier": "ACME"}).json()
    url = f"/api/v1/purchase-orders/{po['id']}/shipments"
    draft = api.post(url, json={"carrier": "UPS", "tracking": "1Z1"})
    assert_error(draft, 409, "conflict", field="state")
    assert "is draft" in draft.json()["error"]["message"]
    sent(db, scope)
    assert_error(api.post(url, json={"carrier": "UPS", "tracking": ""}), 422, "invalid_input", field="tracking")
    assert_error(api.post(url, json={"carrier": "UPS"}), 422, "invalid_input", field="tracking")
    too_many = {"carrier": "UPS", "tracking": "1Z1", "lines": [{"sku": "SNK", "quantity": 4}]}
    assert_error(api.post(url, json=too_many), 422, "invalid_input", field="lines[0].quantity")
    unknown = {"carrier": "UPS", "tracking": "1Z1", "lines": [{"sku": "CAP", "quantity": 1}]}
    assert_error(api.post(url, json=unknown), 422, "invalid_input", field="lines[0].sku")
    assert_error(
        api.post("/api/v1/purchase-orders/987654/shipments", json={"carrier": "UPS", "tracking": "1Z1"}),
        404,
        "not_found",
        field="id",
    )
    shown = api.get(f"/api/v1/purchase-orders/{po['id']}").json()
    assert (shown["state"], shown["shipments"], shown["lines"][0]["shipped"]) == ("sent", [], 0)


def test_a_csv_of_shipments_is_all_or_nothing(db: Database, scope: Scope, api: TestClient) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3), ("CAP", 2))
    sent(db, scope)
    acme, bolt = (api.get("/api/v1/purchase-orders", params={"supplier": s}).json()[0] for s in ("ACME", "BOLT"))
    head = "po_number,sku,quantity,carrier,tracking\n"
    url = "/api/v1/purchase-orders/shipments:csv"
    csv_headers = {"Content-Type": "text/csv"}
    bad = f"{head}{acme['number']},SNK,3,UPS,1Z1\n{bolt['number']},CAP,2,,JD1\n"
    refused = api.post(url, content=bad, headers=csv_headers)
    body = assert_error(refused, 422, "invalid_input")
    assert body["message"].startswith("row 3, column carrier")
    assert body["details"] == [{"row": 3, "column": "carrier"}]
    closed = f"{head}{acme['number']},SNK,3,UPS,1Z1\nPO-987654,CAP,2,DHL,JD1\n"
    unknown = assert_error(api.post(url, content=closed, headers=csv_headers), 404, "not_found")
    assert unknown["details"] == [{"row": 3, "column": "po_number"}]
    assert all(api.get(f"/api/v1/purchase-orders/{p['id']}").json()["shipments"] == [] for p in (acme, bolt))
    good = f"{head}{acme['number']},SNK,3,UPS,1Z1\n{bolt['number']},CAP,2,DHL,JD1\n"
    done = api.post(url, content=good, headers=csv_headers)
    assert done.status_code == 200, done.text
    assert [s["purchase_order"]["state"] for s in done.json()["shipments"]] == ["closed", "closed"]
    order = api.get("/api/v1/orders", params={"limit": 5}).json()
    assert order[0]["status"] == "fulfilled"
