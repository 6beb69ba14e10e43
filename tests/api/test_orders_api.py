"""``/api/v1/orders`` and ``/api/v1/incidents`` in-process on both backends: the answers' shapes,
strict refusals naming each short line, replays, fulfil/cancel/return, roles, bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import assert_error
from tests.choice_factories import shop
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope, utcnow
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def levels(db: Database, scope: Scope, sku: str) -> dict[str | None, tuple[int, int]]:
    return {
        r.location: (r.on_hand, r.booked) for r in stock_service.stock(db, scope, sku) if r.inventory_type == "good"
    }


def post_order(
    api: TestClient, external_id: str, *lines: tuple[str, int], headers: dict[str, str] | None = None, **extra: Any
) -> Any:
    body = {"channel": "web", "external_id": external_id, "lines": [{"sku": s, "quantity": q} for s, q in lines]}
    return api.post("/api/v1/orders", json={**body, **extra}, headers=headers)


def test_an_order_posted_is_booked_and_answered_with_its_bookings_and_backorder(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 3, "WH1")
    f.receive(db, scope, "MUG", 1, "WH2")
    response = post_order(api, "1001", ("TEE", 2), ("MUG", 3))
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["channel"], order["external_id"], order["status"], order["strict"]) == ("web", "1001", "open", False)
    tee, mug = order["lines"]
    assert [(b["location"], b["open"]) for b in tee["bookings"]] == [("WH1", 2)]
    assert tee["backorder"]["open"] == 0
    assert [(b["location"], b["open"]) for b in mug["bookings"]] == [("WH2", 1)]
    assert mug["backorder"]["open"] == 2
    assert api.get(f"/api/v1/orders/{order['id']}").json()["lines"] == order["lines"]
    (incident,) = api.get("/api/v1/incidents").json()
    assert (incident["sku"], incident["quantity"], incident["order_id"]) == ("MUG", 2, order["id"])


def test_a_strict_order_that_is_short_is_a_409_naming_each_short_line_and_books_nothing(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope, "TEE", "MUG", "CAP")
    f.receive(db, scope, "TEE", 1, "WH1")
    f.receive(db, scope, "MUG", 5, "WH1")
    response = post_order(api, "T1", ("TEE", 3), ("MUG", 2), ("CAP", 1), strict=True)
    error = assert_error(response, 409, "insufficient_stock")
    short = {d["sku"]: (d["requested"], d["available"], d["missing"]) for d in error["details"]}
    assert short == {"TEE": (3, 1, 2), "CAP": (1, 0, 1)}
    assert levels(db, scope, "MUG") == {"WH1": (5, 0)}
    assert api.get("/api/v1/orders").json() == []
    assert api.get("/api/v1/incidents").json() == []


def test_the_same_channel_order_posted_again_is_answered_200_with_the_recorded_order(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    first = post_order(api, "1001", ("TEE", 2))
    again = post_order(api, "1001", ("TEE", 2))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    assert levels(db, scope, "TEE") == {"WH1": (5, 2)}


def test_an_idempotency_key_replays_the_answer_and_refuses_another_payload(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    headers = {"Idempotency-Key": "order-k1"}
    first = post_order(api, "K1", ("TEE", 1), headers=headers)
    again = post_order(api, "K1", ("TEE", 1), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert_error(post_order(api, "K2", ("TEE", 1), headers=headers), 409, "idempotency_conflict")
    assert levels(db, scope, "TEE") == {"WH1": (5, 1)}


def test_fulfil_cancel_and_return_move_the_ledger_through_the_api(db: Database, scope: Scope, api: TestClient) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.location(db, scope, "RET", priority=9)
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "MUG", 5, "WH1")
    order = post_order(api, "F1", ("TEE", 3), ("MUG", 2)).json()
    oid = order["id"]
    shipped = api.post(f"/api/v1/orders/{oid}/fulfil", json={"lines": [{"sku": "TEE", "quantity": 2}]})
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["lines"][0]["fulfilled"] == 2
    assert levels(db, scope, "TEE") == {"WH1": (3, 1)}
    cancelled = api.post(f"/api/v1/orders/{oid}/cancel").json()
    assert [(line["fulfilled"], line["cancelled"]) for line in cancelled["lines"]] == [(2, 1), (0, 2)]
    assert cancelled["status"] == "fulfilled"
    assert levels(db, scope, "TEE") == {"WH1": (3, 0)} and levels(db, scope, "MUG") == {"WH1": (5, 0)}
    line = {"sku": "TEE", "quantity": 1, "location": "RET", "inventory_type": "damaged"}
    returned = api.post(f"/api/v1/orders/{oid}/return", json={"lines": [line]})
    assert returned.status_code == 200, returned.text
    assert returned.json()["lines"][0]["returned"] == 1
    damaged = [r for r in stock_service.stock(db, scope, "TEE") if r.inventory_type == "damaged"]
    assert [(r.location, r.on_hand) for r in damaged] == [("RET", 1)]
    assert verify(db, scope) == []


def test_orders_list_newest_first_by_page_and_by_status(db: Database, scope: Scope, api: TestClient) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 10, "WH1")
    ids = [post_order(api, f"L{i}", ("TEE", 1)).json()["id"] for i in range(3)]
    api.post(f"/api/v1/orders/{ids[0]}/cancel")
    page = api.get("/api/v1/orders", params={"limit": 2})
    assert [row["id"] for row in page.json()] == [ids[2], ids[1]]
    assert 'rel="next"' in page.headers["link"]
    assert [row["id"] for row in api.get("/api/v1/orders", params={"offset": 2}).json()] == [ids[0]]
    assert [row["id"] for row in api.get("/api/v1/orders", params={"status": "cancelled"}).json()] == [ids[0]]


def test_bad_orders_are_refused_by_field_and_nothing_is_written(db: Database, scope: Scope, api: TestClient) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    assert_error(post_order(api, "B1", ("TEE", 0)), 422, "invalid_input", field="lines[0].quantity")
    assert_error(post_order(api, "B2"), 422, "invalid_input", field="lines")
    assert_error(post_order(api, "B3", ("NOPE", 1)), 404, "not_found", field="lines[0].sku")
    missing_channel = api.post(
        "/api/v1/orders", json={"channel": "nope", "external_id": "B4", "lines": [{"sku": "TEE", "quantity": 1}]}
    )
    assert_error(missing_channel, 404, "not_found", field="channel")
    assert_error(post_order(api, "B5", ("TEE", 1), colour="red"), 422, "invalid_input", field="colour")
    assert_error(api.post("/api/v1/orders/999999/fulfil"), 404, "not_found")
    assert_error(api.get("/api/v1/orders/0"), 422, "invalid_input")
    assert api.get("/api/v1/orders").json() == []
    assert levels(db, scope, "TEE") == {"WH1": (5, 0)}


def test_a_viewer_reads_orders_but_cannot_book_or_change_them(
    db: Database, scope: Scope, api: TestClient, client_as: Callable[[str], TestClient]
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    oid = post_order(api, "V1", ("TEE", 1)).json()["id"]
    viewer = client_as("viewer")
    assert_error(post_order(viewer, "V2", ("TEE", 1)), 403, "forbidden")
    assert_error(viewer.post(f"/api/v1/orders/{oid}/cancel"), 403, "forbidden")
    assert viewer.get(f"/api/v1/orders/{oid}").json()["id"] == oid
    assert levels(db, scope, "TEE") == {"WH1": (5, 1)}


def test_a_line_booked_at_a_drop_ship_supplier_is_listed_as_its_purchase_order(
    db: Database, scope: Scope, api: TestClient
) -> None:
    f.location(db, scope, "ACME", kind="dropship", priority=5)
    f.variant(db, scope, "SNK")
    o.channel(db, scope, "web", ["ACME"])
    f.move(db, scope, "feed", "SNK", "ACME", 9)
    order = post_order(api, "DS1", ("SNK", 2)).json()
    (po,) = api.get("/api/v1/dropship-orders").json()
    assert (po["order_id"], po["supplier"], po["lines"]) == (
        order["id"],
        "ACME",
        [{"line": 1, "sku": "SNK", "quantity": 2, "why": None}],
    )


def test_orders_are_filtered_by_backordered_channel_and_day_placed(db: Database, scope: Scope, api: TestClient) -> None:
    o.shop(db, scope)
    o.channel(db, scope, "phone", ["WH1"])
    f.receive(db, scope, "TEE", 2, "WH1")
    whole = post_order(api, "W1", ("TEE", 1)).json()["id"]
    short = post_order(api, "W2", ("TEE", 3)).json()["id"]  # 1 booked, 2 owed
    by_phone = o.order(db, scope, "P1", ("TEE", 1), channel="phone").id

    def ids(**params: Any) -> list[int]:
        response = api.get("/api/v1/orders", params=params)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()]

    assert ids(backordered="true") == [by_phone, short]  # the phone order is owed too: stock ran out
    assert ids(channel="phone") == [by_phone]
    today = utcnow().date().isoformat()
    assert ids(placed_from=today, placed_to=today) == [by_phone, short, whole]
    assert ids(placed_to="2000-01-01") == []
    assert_error(api.get("/api/v1/orders", params={"placed_from": "yesterday"}), 422, "invalid_input", "placed_from")
    refused = api.get("/api/v1/orders", params={"placed_from": "2026-02-02", "placed_to": "2026-01-01"})
    assert_error(refused, 422, "invalid_input", "placed_from")


def test_the_api_sends_an_order_line_to_a_named_supplier(db: Database, scope: Scope, api: TestClient) -> None:
    shop(db, scope, "priority")
    placed = o.order(db, scope, "W1", ("SNK", 2))
    moved = api.put(f"/api/v1/orders/{placed.id}/lines/1/supplier", json={"supplier": "BOLT"})
    assert moved.status_code == 200, moved.text
    assert [(b["location"], b["open"]) for b in moved.json()["lines"][0]["bookings"] if b["open"]] == [("DS-B", 2)]
    assert_error(api.put(f"/api/v1/orders/{placed.id}/lines/1/supplier", json={"supplier": "NOPE"}), 404,
                 "not_found", "supplier")  # fmt: skip
    assert_error(api.put(f"/api/v1/orders/{placed.id}/lines/1/supplier", json={"supplier": "BOLT"}), 409,
                 "conflict", "line")  # fmt: skip


def test_an_order_id_with_a_control_character_is_refused_on_its_field_on_every_path(
    db: Database, scope: Scope, api: TestClient
) -> None:
    """NUL could not be stored on PostgreSQL (a 422 naming no field) while SQLite stored it: both refuse it now."""
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    for bad in ("B\x00", "B\x01", "B\x7f", "B\x9b"):
        error = assert_error(post_order(api, bad, ("TEE", 1)), 422, "invalid_input", field="external_id")
        assert error["message"] == "external_id: must not contain control characters"
    batch = api.post(
        "/api/v1/orders:batch",
        json={
            "orders": [
                {"channel": "web", "external_id": "OK-1", "lines": [{"sku": "TEE", "quantity": 1}]},
                {"channel": "web", "external_id": "B\x00", "lines": [{"sku": "TEE", "quantity": 1}]},
            ]
        },
    )
    assert batch.status_code == 200, batch.text
    ok, refused = batch.json()["orders"]
    assert ok["external_id"] == "OK-1" and ok["replayed"] is False
    assert refused["error"]["details"] == [{"field": "external_id", "reason": "must not contain control characters"}]
    assert [order["external_id"] for order in api.get("/api/v1/orders").json()] == ["OK-1"]
    assert levels(db, scope, "TEE") == {"WH1": (5, 1)}
