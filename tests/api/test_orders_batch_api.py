"""``POST /api/v1/orders:batch`` on both backends: up to 1,000 orders, each answered on its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def test_a_viewer_cannot_post_a_batch(db: Database, scope: Scope, client_as: Callable[[str], TestClient]) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    response = client_as("viewer").post("/api/v1/orders:batch", json={"orders": [order("v-1", "TEE", 1)]})
    assert_error(response, 403, "forbidden", "role")
    assert booked(db, scope, "TEE") == 0
