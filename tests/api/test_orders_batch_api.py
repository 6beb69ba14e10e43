"""``POST /api/v1/orders:batch`` on both backends: up to 1,000 orders, each answered on its own."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def order(external_id: str, sku: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"channel": "web", "external_id": external_id, "lines": [{"sku": sku, "quantity": quantity}], **extra}


def booked(db: Database, scope: Scope, sku: str) -> int:
    return sum(r.booked for r in stock_service.stock(db, scope, sku) if r.inventory_type == "good")


def test_each_order_is_answered_in_turn_and_a_refused_one_leaves_the_others_recorded(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 5, "WH1")
    f.receive(db, scope, "MUG", 1, "WH1")
    batch = [
        order("b-1", "TEE", 2),
        order("b-2", "NO-SUCH-SKU", 1),
        order("b-3", "MUG", 3, strict=True),
        order("b-4", "TEE", 1),
    ]
    response = api.post("/api/v1/orders:batch", json={"orders": batch})
    assert response.status_code == 200, response.text
    answers = response.json()["orders"]
    assert [a["external_id"] for a in answers] == ["b-1", "b-2", "b-3", "b-4"]
    assert answers[0]["lines"][0]["bookings"][0]["quantity"] == 2 and answers[0]["replayed"] is False
    assert answers[1]["error"]["code"] == "not_found"
    assert answers[1]["error"]["details"][0]["field"] == "lines[0].sku"
    assert answers[2]["error"]["code"] == "insufficient_stock"
    assert answers[3]["status"] == "open" and isinstance(answers[3]["id"], int)
    assert booked(db, scope, "TEE") == 3 and booked(db, scope, "MUG") == 0
    assert verify(db, scope) == []


def test_a_batch_sent_again_answers_every_order_as_already_recorded_and_books_nothing_more(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 50, "WH1")
    batch = {"orders": [order(f"r-{i}", "TEE", 1) for i in range(20)]}
    first = api.post("/api/v1/orders:batch", json=batch).json()["orders"]
    again = api.post("/api/v1/orders:batch", json=batch).json()["orders"]
    assert [a["id"] for a in again] == [a["id"] for a in first]
    assert all(a["replayed"] for a in again)
    assert booked(db, scope, "TEE") == 20


def test_a_batch_over_1000_orders_or_with_a_bad_order_is_refused_naming_the_field_and_writes_nothing(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    too_many = {"orders": [order(f"x-{i}", "TEE", 1) for i in range(1001)]}
    assert_error(api.post("/api/v1/orders:batch", json=too_many), 422, "invalid_input", "orders")
    bad = {"orders": [order("y-1", "TEE", 1), order("y-2", "TEE", 0)]}
    assert_error(api.post("/api/v1/orders:batch", json=bad), 422, "invalid_input", "orders[1].lines[0].quantity")
    assert_error(api.post("/api/v1/orders:batch", json={"orders": []}), 422, "invalid_input", "orders")
    assert booked(db, scope, "TEE") == 0


def test_a_full_batch_of_1000_orders_is_answered_order_by_order_and_booked(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope, "TEE", "MUG")
    f.receive(db, scope, "TEE", 2000, "WH1")
    f.receive(db, scope, "MUG", 2000, "WH1")
    batch = [order(f"k-{i}", "TEE" if i % 2 else "MUG", 1 + i % 3) for i in range(1000)]
    response = api.post("/api/v1/orders:batch", json={"orders": batch})
    assert response.status_code == 200, response.text
    answers = response.json()["orders"]
    assert [a["external_id"] for a in answers] == [b["external_id"] for b in batch]
    assert [a["lines"][0]["bookings"][0]["quantity"] for a in answers] == [1 + i % 3 for i in range(1000)]
    assert len({a["id"] for a in answers}) == 1000
    assert booked(db, scope, "TEE") == sum(1 + i % 3 for i in range(1, 1000, 2))
    assert booked(db, scope, "MUG") == sum(1 + i % 3 for i in range(0, 1000, 2))
    assert verify(db, scope) == []


JSON = {"content-type": "application/json"}
MALFORMED = {
    "not JSON": (b'{"orders": [', JSON, "not valid JSON"),
    "a list, not an object": (b"[]", JSON, "valid dictionary"),
    "nothing": (b"", JSON, "required"),
    "JSON sent as text": (
        json.dumps({"orders": [order("t-1", "TEE", 1)]}).encode(),
        {"content-type": "text/plain"},
        "body: ",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_body_is_refused_with_422_and_writes_nothing(
    db: Database, scope: Scope, api: TestClient, case: str
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    content, headers, reason = MALFORMED[case]
    error = assert_error(api.post("/api/v1/orders:batch", content=content, headers=headers), 422, "invalid_input")
    assert reason in error["message"], error
    assert api.get("/api/v1/orders").json() == []
    assert booked(db, scope, "TEE") == 0


BAD_ORDER = {
    "a quantity as text": ({"lines": [{"sku": "TEE", "quantity": "1"}]}, "lines[0].quantity"),
    "a quantity as a decimal": ({"lines": [{"sku": "TEE", "quantity": 1.0}]}, "lines[0].quantity"),
    "no quantity": ({"lines": [{"sku": "TEE"}]}, "lines[0].quantity"),
    "a control character in the SKU": ({"lines": [{"sku": "TE\u0007E", "quantity": 1}]}, "lines[0].sku"),
    "an unknown field": ({"colour": "red"}, "colour"),
    "no lines": ({"lines": []}, "lines"),
    "an empty channel": ({"channel": ""}, "channel"),
}


@pytest.mark.parametrize("case", sorted(BAD_ORDER))
def test_one_bad_order_among_good_ones_refuses_the_batch_naming_its_index_and_field_and_writes_nothing(
    db: Database, scope: Scope, api: TestClient, case: str
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 500, "WH1")
    change, field = BAD_ORDER[case]
    batch = [order(f"g-{i}", "TEE", 1) for i in range(300)]
    batch[217] = {**batch[217], **change}
    response = api.post("/api/v1/orders:batch", json={"orders": batch})
    assert_error(response, 422, "invalid_input", f"orders[217].{field}")
    assert api.get("/api/v1/orders").json() == []
    assert booked(db, scope, "TEE") == 0


def test_a_viewer_cannot_post_a_batch(db: Database, scope: Scope, client_as: Callable[[str], TestClient]) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    response = client_as("viewer").post("/api/v1/orders:batch", json={"orders": [order("v-1", "TEE", 1)]})
    assert_error(response, 403, "forbidden", "role")
    assert booked(db, scope, "TEE") == 0
