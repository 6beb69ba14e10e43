"""Numbers are JSON integers, bodies the reader gives up on are 422, instants are ISO 8601."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope


@pytest.mark.parametrize("quantity", [True, "5", 1.0, 1.7, None])
def test_a_movement_quantity_must_be_a_json_integer(
    api: TestClient, db: Database, scope: Scope, quantity: object
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    body = {"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": quantity}
    assert_error(api.post("/api/v1/movements", json=body), 422, "invalid_input", field="quantity")
    assert api.get("/api/v1/stock", params={"sku": "TEE"}).json() == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": ' + b"9" * 5000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    ],
    ids=["5000-digit integer", "deep list", "deep object"],
)
def test_a_body_the_reader_gives_up_on_is_a_422(api: TestClient, raw: bytes) -> None:
    response = api.post("/api/v1/movements", content=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 422, "invalid_input", field="body")


@pytest.mark.parametrize("as_of", ["0.5", "1700000000", "1e9"])
def test_as_of_must_be_an_iso_instant_not_a_number(api: TestClient, as_of: str) -> None:
    assert_error(api.get("/api/v1/stock", params={"as_of": as_of}), 422, "invalid_input", field="as_of")


def test_as_of_takes_a_date_or_a_date_time(api: TestClient) -> None:
    for as_of in ("2026-01-01", "2026-01-01T09:00:00Z", "2026-01-01T09:00:00+01:00"):
        assert api.get("/api/v1/stock", params={"as_of": as_of}).status_code == 200


def test_a_405_allows_every_method_of_the_path(api: TestClient) -> None:
    response = api.put("/api/v1/orders")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, POST"
    rules = api.get("/api/v1/channels/web/rules/TEE")
    assert_error(rules, 405, "method_not_allowed")
    assert rules.headers["allow"] == "DELETE, PUT"


def test_a_query_parameter_the_operation_does_not_take_is_refused(api: TestClient) -> None:
    assert_error(api.get("/api/v1/stock", params={"skuu": "TEE"}), 422, "invalid_input", field="skuu")
    assert api.get("/api/v1/stock", params={"sku": "TEE", "limit": 5}).status_code in (200, 404)
