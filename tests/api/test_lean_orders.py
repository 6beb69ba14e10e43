"""The short path of ``POST /api/v1/orders`` answers only what the declared route would accept as it
stands, with the same answer; everything else reaches the declared route and is answered as before."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import assert_error, client_for, signed_in
from tests.integration.test_group_commit_async import recording, waiting
from tests.waits import until
from truecount.adapters.db.engine import Database
from truecount.domain.accounts import Principal
from truecount.entrypoints.api.lean_orders import PASSED, LeanOrderRoute
from truecount.entrypoints.api.routes.orders import OrderCreate
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service

ORDER = {"channel": "web", "external_id": "L1", "lines": [{"sku": "TEE", "quantity": 1}]}
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner))
LINE = st.fixed_dictionaries(
    {"sku": st.text(max_size=3) | JSON, "quantity": st.integers(-1, 3) | JSON}, optional={"extra": JSON}
)
ORDERS = st.fixed_dictionaries(
    {"channel": st.text(max_size=3) | JSON, "external_id": st.text(max_size=3) | JSON, "lines": st.lists(LINE) | JSON},
    optional={"strict": st.booleans() | JSON, "substitutes": st.booleans() | JSON, "colour": JSON},
)


def levels(db: Database, scope: Scope) -> dict[str | None, tuple[int, int]]:
    return {r.location: (r.on_hand, r.booked) for r in stock_service.stock(db, scope, "TEE")}


def http_scope(principal: Principal | None, **changes: Any) -> dict[str, Any]:
    scope = {"type": "http", "method": "POST", "path": "/api/v1/orders", "query_string": b"", "headers": []}
    return {**scope, "state": {"principal": principal} if principal else {}, **changes}


def test_the_short_path_is_tried_first_and_takes_only_a_bearer_token_holding_the_routes_role(
    api_app: FastAPI,
) -> None:
    route = api_app.router.routes[0]
    assert isinstance(route, LeanOrderRoute) and route.role == "staff"

    def caller(role: str, via: str = "token") -> Principal:
        return Principal(1, 1, "ann", role, via)

    assert route.matches(http_scope(caller("staff")))[0].name == "FULL"
    assert route.matches(http_scope(caller("admin")))[0].name == "FULL"
    assert route.matches(http_scope(caller("viewer")))[0].name == "NONE"
    assert route.matches(http_scope(caller("admin", "session")))[0].name == "NONE"
    assert route.matches(http_scope(None))[0].name == "NONE"
    assert route.matches(http_scope(caller("staff"), query_string=b"x=1"))[0].name == "NONE"
    assert route.matches(http_scope(caller("staff"), method="GET"))[0].name == "NONE"
    assert route.matches(http_scope(caller("staff"), path="/api/v1/orders/1/fulfil"))[0].name == "NONE"
    assert route.matches(http_scope(caller("staff"), **{PASSED: True}))[0].name == "NONE"


def read_as_declared(body: bytes) -> OrderCreate | None:
    """What the declared route reads: the body decoded by ``json``, then validated."""
    try:
        return OrderCreate.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        return None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(ORDERS)
@example({**ORDER, "channel": "x", "lines": [{"sku": "TEE", "quantity": True}]})
@example({**ORDER, "strict": "yes", "substitutes": 1})
@example({**ORDER, "lines": [{"sku": "TEE", "quantity": 1.0}]})
@example({**ORDER, "lines": [{"sku": "TEE", "quantity": 10**30}]})
@example({**ORDER, "external_id": "\ud800"})
@example({**ORDER, "channel": "w\x00b"})
def test_the_short_path_reads_a_body_only_where_the_declared_route_reads_the_same(order: dict[str, Any]) -> None:
    body = json.dumps(order).encode()
    for raw in (body, body.replace(b'"channel"', b'"channel": "web", "channel"', 1), b"\xef\xbb\xbf" + body):
        try:
            short = OrderCreate.model_validate_json(raw)
        except ValidationError:
            continue  # handed on to the declared route
        assert short == read_as_declared(raw)


def test_an_order_with_a_query_parameter_or_a_bad_key_or_body_is_refused_by_field_and_books_nothing(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    assert_error(api.post("/api/v1/orders?strict=true", json=ORDER), 422, "invalid_input", field="strict")
    too_long = {"Idempotency-Key": "k" * 301}
    assert_error(api.post("/api/v1/orders", json=ORDER, headers=too_long), 422, "invalid_input", "Idempotency-Key")
    assert_error(api.post("/api/v1/orders", json=ORDER, headers={"Idempotency-Key": ""}), 422, "invalid_input")
    as_text = api.post("/api/v1/orders", content=json.dumps(ORDER), headers={"content-type": "text/plain"})
    assert_error(as_text, 422, "invalid_input")
    bad_json = api.post("/api/v1/orders", content=b'{"channel": ', headers={"content-type": "application/json"})
    assert "not valid JSON at character 12" in assert_error(bad_json, 422, "invalid_input", field="body")["message"]
    assert_error(api.post("/api/v1/orders", json={**ORDER, "lines": []}), 422, "invalid_input", field="lines")
    assert api.get("/api/v1/orders").json() == []
    assert levels(db, scope) == {"WH1": (5, 0)}


def test_an_order_on_the_short_path_is_answered_as_the_declared_route_answers(
    db: Database, scope: Scope, api: TestClient
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    key = {"Idempotency-Key": "lean-1"}
    first = api.post("/api/v1/orders", json=ORDER, headers=key)
    assert first.status_code == 201 and first.headers["content-type"] == "application/json"
    assert first.headers["x-frame-options"] == "DENY"  # the middlewares still wrap it
    again = api.post("/api/v1/orders", json=ORDER, headers=key)
    assert (again.status_code, again.json()["id"], again.json()["replayed"]) == (200, first.json()["id"], True)
    reused = api.post("/api/v1/orders", json={**ORDER, "external_id": "L2"}, headers=key)
    assert_error(reused, 409, "idempotency_conflict")
    unknown = api.post("/api/v1/orders", json={**ORDER, "external_id": "L3", "lines": [{"sku": "NOPE", "quantity": 1}]})
    assert_error(unknown, 404, "not_found", field="lines[0].sku")
    strict = api.post("/api/v1/orders", json={**ORDER, "external_id": "L4", "strict": True,
                                              "lines": [{"sku": "TEE", "quantity": 9}]})  # fmt: skip
    assert_error(strict, 409, "insufficient_stock")
    assert levels(db, scope) == {"WH1": (5, 1)}


def test_an_order_from_a_signed_in_page_takes_the_declared_route_and_needs_its_csrf_token(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 5, "WH1")
    client, csrf = signed_in(api_app, db, scope, "staff")
    assert_error(client.post("/api/v1/orders", json=ORDER), 403, "forbidden", field="csrf_token")
    placed = client.post("/api/v1/orders", json=ORDER, headers={"X-CSRF-Token": csrf})
    assert placed.status_code == 201, placed.text
    assert levels(db, scope) == {"WH1": (5, 1)}


def test_concurrent_orders_over_http_share_one_transaction_and_each_is_answered_its_own(
    api_app: FastAPI, db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 9, "WH1")
    groups = recording(monkeypatch, hold_first_until=lambda: waiting(db, scope) == 4)
    with client_for(api_app, db, scope, "staff") as client, ThreadPoolExecutor(max_workers=5) as pool:

        def post(external_id: str) -> Any:
            return pool.submit(client.post, "/api/v1/orders", json={**ORDER, "external_id": external_id})

        first = post("C0")
        until(lambda: len(groups) == 1, "the first transaction")
        later = [post(f"C{i}") for i in range(1, 5)]
        answers = [future.result() for future in [first, *later]]
    assert groups == [["C0"], ["C1", "C2", "C3", "C4"]]
    assert [(a.status_code, a.json()["external_id"]) for a in answers] == [(201, f"C{i}") for i in range(5)]
    assert levels(db, scope) == {"WH1": (9, 5)}
