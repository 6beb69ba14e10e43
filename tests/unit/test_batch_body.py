"""``POST /api/v1/orders:batch`` reads its body from the bytes into ``OrderBatch`` in one pass; a body
that does not read as one is handed to FastAPI as parsed JSON, to be refused as every route refuses it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Message

from truecount.entrypoints.api.routes.orders_batch import BatchRequest, OrderBatch


def _read(body: bytes) -> Any:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/api/v1/orders:batch", "headers": [], "query_string": b""}
    return asyncio.run(BatchRequest(scope, receive).json())


GOOD = {"orders": [{"channel": "web", "external_id": "a-1", "lines": [{"sku": "TEE", "quantity": 2}]}]}


def test_a_well_formed_batch_is_read_straight_into_the_model() -> None:
    read = _read(json.dumps(GOOD).encode())
    assert isinstance(read, OrderBatch)
    assert read == OrderBatch.model_validate(GOOD)


def test_a_batch_with_a_bad_field_is_handed_on_as_the_json_it_is() -> None:
    bad = {"orders": [{**GOOD["orders"][0], "lines": [{"sku": "TEE", "quantity": 0}]}]}
    assert _read(json.dumps(bad).encode()) == bad


def test_a_body_that_is_not_json_raises_the_json_error_fastapi_answers() -> None:
    with pytest.raises(json.JSONDecodeError):
        _read(b'{"orders": [')


@pytest.mark.parametrize("code", range(32))
def test_a_code_with_a_control_character_is_refused_but_for_tab_newline_and_return(code: int) -> None:
    body = json.dumps({"orders": [{**GOOD["orders"][0], "channel": f"we{chr(code)}b"}]}).encode()
    read = _read(body)
    assert isinstance(read, OrderBatch) == (chr(code) in "\t\n\r")
