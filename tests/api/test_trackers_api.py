"""``PUT/GET/DELETE /api/v1/trackers`` in-process, on both backends, refusals included."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests import tracker_factories as t
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.trackers.watch import list_trackers


def stocked(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "TEE", 6, "WH1")
    f.receive(db, scope, "MUG", 40, "WH1")


def test_put_creates_then_updates_by_key_and_get_lists_lowest_health_first(
    db: Database, scope: Scope, api: TestClient
) -> None:
    stocked(db, scope)
    body = {"sku": "TEE", "inventory_type": "good", "mechanism": "stock_quantity", "params": {"below": 10}}
    created = api.put("/api/v1/trackers", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["health"] == 60.0 and created.json()["created"] is True
    updated = api.put("/api/v1/trackers", json=body | {"params": {"below": 12}})
    assert updated.status_code == 200 and updated.json()["created"] is False
    api.put(
        "/api/v1/trackers",
        json={"sku": "MUG", "inventory_type": "good", "mechanism": "stock_quantity", "params": {"below": 20}},
    )
    t.sale(db, scope, "MUG", 3, "WH1", days_ago=1)
    turnover = {"lookback_days": 30, "coverage_days": 30}
    api.put(
        "/api/v1/trackers",
        json={"sku": "MUG", "inventory_type": "good", "mechanism": "turnover_days", "params": turnover},
    )
    listed = api.get("/api/v1/trackers")
    assert listed.status_code == 200
    assert listed.json() == [
        {
            "sku": "TEE",
            "inventory_type": "good",
            "mechanism": "stock_quantity",
            "params": {"below": 12},
            "current": 6,
            "threshold": 12.0,
            "health": 50.0,
            "reason": None,
            "alert": True,
        },
        {
            "sku": "MUG",
            "inventory_type": "good",
            "mechanism": "stock_quantity",
            "params": {"below": 20},
            "current": 40,
            "threshold": 20.0,
            "health": 200.0,
            "reason": None,
            "alert": False,
        },
        {
            "sku": "MUG",
            "inventory_type": "good",
            "mechanism": "turnover_days",
            "params": turnover,
            "current": 40,
            "threshold": 3.0,
            "health": 1333.3,
            "reason": None,
            "alert": False,
        },
    ]


def test_the_no_sales_reason_is_in_the_list(db: Database, scope: Scope, api: TestClient) -> None:
    stocked(db, scope)
    body = {
        "sku": "TEE",
        "inventory_type": "good",
        "mechanism": "turnover_days",
        "params": {"lookback_days": 7, "coverage_days": 7},
    }
    assert api.put("/api/v1/trackers", json=body).status_code == 201
    (row,) = api.get("/api/v1/trackers").json()
    assert row["health"] == 0.0
    assert row["reason"] == "no sales in the last 7 days — consider the stock-quantity mechanism"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"sku": "TEE", "mechanism": "stock_quantity", "params": {}}, 422, "invalid_input", "params.below"),
        ({"sku": "TEE", "mechanism": "stock_quantity", "params": {"below": 0}}, 422, "invalid_input", "params.below"),
        ({"sku": "TEE", "mechanism": "stock_quantity", "params": {"below": "5"}}, 422, "invalid_input", "params.below"),
        ({"sku": "TEE", "mechanism": "stock_quantity", "params": {"below": 2.5}}, 422, "invalid_input", "params.below"),
        (
            {
                "sku": "TEE",
                "mechanism": "turnover_days",
                "params": {"lookback_days": 30, "coverage_days": 7, "below": 5},
            },
            422,
            "invalid_input",
            "params.below",
        ),
        (
            {"sku": "TEE", "mechanism": "stalled_days", "params": {"lookback_days": -3, "quantity": 5}},
            422,
            "invalid_input",
            "params.lookback_days",
        ),
        (
            {"sku": "TEE", "mechanism": "stalled_days", "params": {"lookback_days": 3}},
            422,
            "invalid_input",
            "params.quantity",
        ),
        ({"sku": "TEE", "mechanism": "gut_feeling", "params": {}}, 422, "invalid_input", "mechanism"),
        (
            {"sku": "TEE", "mechanism": "stock_quantity", "params": {"below": 5, "colour": 1}},
            422,
            "invalid_input",
            "params.colour",
        ),
        ({"sku": "NOPE", "mechanism": "stock_quantity", "params": {"below": 5}}, 404, "not_found", "sku"),
        (
            {"sku": "TEE", "inventory_type": "mint", "mechanism": "stock_quantity", "params": {"below": 5}},
            404,
            "not_found",
            "inventory_type",
        ),
        ({"mechanism": "stock_quantity", "params": {"below": 5}}, 422, "invalid_input", "sku"),
    ],
)
def test_bad_input_is_refused_in_the_one_error_shape_and_nothing_is_saved(
    db: Database, scope: Scope, api: TestClient, body: dict[str, object], status: int, code: str, field: str
) -> None:
    stocked(db, scope)
    assert_error(api.put("/api/v1/trackers", json=body), status, code, field)
    assert list_trackers(db, scope) == []


def test_a_viewer_may_read_but_not_set_trackers(
    db: Database, scope: Scope, client_as: Callable[[str], TestClient]
) -> None:
    stocked(db, scope)
    viewer = client_as("viewer")
    body = {"sku": "TEE", "inventory_type": "good", "mechanism": "stock_quantity", "params": {"below": 10}}
    assert_error(viewer.put("/api/v1/trackers", json=body), 403, "forbidden", "role")
    assert viewer.get("/api/v1/trackers").json() == []
    assert client_as("staff").put("/api/v1/trackers", json=body).status_code == 201


def test_a_replayed_put_returns_the_first_result(db: Database, scope: Scope, api: TestClient) -> None:
    stocked(db, scope)
    body = {"sku": "TEE", "inventory_type": "good", "mechanism": "stock_quantity", "params": {"below": 10}}
    first = api.put("/api/v1/trackers", json=body, headers={"Idempotency-Key": "tr-1"})
    again = api.put("/api/v1/trackers", json=body, headers={"Idempotency-Key": "tr-1"})
    assert first.status_code == 201 and again.status_code == 200 and again.json()["replayed"] is True
    other = api.put("/api/v1/trackers", json=body | {"params": {"below": 3}}, headers={"Idempotency-Key": "tr-1"})
    assert_error(other, 409, "idempotency_conflict")


def test_delete_stops_watching_and_an_unknown_tracker_is_404(db: Database, scope: Scope, api: TestClient) -> None:
    stocked(db, scope)
    body = {"sku": "TEE", "inventory_type": "good", "mechanism": "stock_quantity", "params": {"below": 10}}
    api.put("/api/v1/trackers", json=body)
    query = {"sku": "TEE", "mechanism": "stock_quantity"}
    assert api.delete("/api/v1/trackers", params=query).status_code == 204
    assert api.get("/api/v1/trackers").json() == []
    assert_error(api.delete("/api/v1/trackers", params=query), 404, "not_found", "mechanism")
