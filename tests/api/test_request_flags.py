"""A yes/no in a request body is JSON's ``true`` or ``false``: ``"yes"``, ``"true"``, ``1`` are refused with
422 naming the field, and nothing is written; a query string's flag is read as before. Every request model
is checked, the ones added later too."""

from __future__ import annotations

import json
from types import NoneType, UnionType
from typing import Annotated, Union, get_args, get_origin

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from tests import factories as f
from tests import order_factories as o
from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.schemas import Input
from truecount.services.common.scope import Scope
from truecount.services.stock import levels as stock_service

NOT_BOOLEANS = ["yes", "true", "on", 1, 0, "false"]


def request_models() -> list[type[BaseModel]]:
    """Every request body model (subclasses of ``Input``, at any depth)."""
    found: list[type[BaseModel]] = []
    pending: list[type[BaseModel]] = [Input]
    while pending:
        for child in pending.pop().__subclasses__():
            found.append(child)
            pending.append(child)
    return found


def is_flag(annotation: object) -> bool:
    """``bool`` or ``bool | None``, however annotated."""
    if get_origin(annotation) is Annotated:
        return is_flag(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        arms = [arm for arm in get_args(annotation) if arm is not NoneType]
        return len(arms) == 1 and is_flag(arms[0])
    return annotation is bool


def test_every_boolean_of_every_request_model_refuses_what_is_not_json_true_or_false(api_app: FastAPI) -> None:
    checked = []
    for model in request_models():
        for name, field in model.model_fields.items():
            if not is_flag(field.annotation):
                continue
            for value in NOT_BOOLEANS:
                with pytest.raises(ValidationError) as refused:
                    model.model_validate_json(json.dumps({name: value}))
                assert any(error["loc"][:1] == (name,) for error in refused.value.errors()), (model, name, value)
            checked.append(f"{model.__name__}.{name}")
    assert {
        "OrderCreate.strict",
        "OrderCreate.substitutes",
        "LocationCreate.saleable",
        "VariantPatch.discontinued",
    } <= set(checked), checked


def test_an_order_with_strict_yes_is_refused_naming_the_field_and_nothing_is_booked(
    db: Database, scope: Scope, api: TestClient
) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH")
    o.channel(db, scope, "web", ["WH"])
    order = {"channel": "web", "external_id": "1001", "lines": [{"sku": "TEE", "quantity": 2}]}
    error = assert_error(api.post("/api/v1/orders", json=order | {"strict": "yes"}), 422, "invalid_input", "strict")
    assert error["details"] == [{"field": "strict", "reason": "Input should be a valid boolean"}]
    assert_error(api.post("/api/v1/orders", json=order | {"substitutes": 1}), 422, "invalid_input", "substitutes")
    batch = {"orders": [order, order | {"external_id": "1002", "strict": "true"}]}
    assert_error(api.post("/api/v1/orders:batch", json=batch), 422, "invalid_input", "orders[1].strict")
    assert api.get("/api/v1/orders").json() == []
    assert sum(row.booked for row in stock_service.stock(db, scope, "TEE")) == 0
    placed = api.post("/api/v1/orders", json=order | {"strict": True})
    assert placed.status_code == 201, placed.text


def test_other_bodies_refuse_text_for_a_flag_and_write_nothing(db: Database, scope: Scope, api: TestClient) -> None:
    location = {"code": "SHOP", "name": "Shop", "saleable": "no"}
    assert_error(api.post("/api/v1/locations", json=location), 422, "invalid_input", "saleable")
    assert api.get("/api/v1/locations").json() == []
    f.variant(db, scope, "MUG")
    assert_error(api.patch("/api/v1/variants/MUG", json={"discontinued": "yes"}), 422, "invalid_input", "discontinued")
    assert api.get("/api/v1/variants/MUG").json()["discontinued"] is False
    assert api.patch("/api/v1/variants/MUG", json={"discontinued": True}).json()["discontinued"] is True


def test_a_flag_in_the_query_string_is_read_as_text_as_before(db: Database, scope: Scope, api: TestClient) -> None:
    for text in ("true", "1", "yes", "false"):
        answer = api.get("/api/v1/orders", params={"backordered": text})
        assert answer.status_code == 200, answer.text
        assert answer.json() == []
    assert_error(api.get("/api/v1/orders", params={"backordered": "maybe"}), 422, "invalid_input", "backordered")
