"""schemathesis over /openapi.json: no generated request (valid or not) makes the server fail,
and every 4xx it provokes has the one error shape."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope


def check_answer(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, response.text  # type: ignore[attr-defined]
    if status >= 400:
        body = response.json()  # type: ignore[attr-defined]
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_makes_the_server_fail(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope, mode: GenerationMode
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE", barcodes=["400000000001"])
    f.receive(db, scope, "TEE", 5, "WH1")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    strategy = schema.as_strategy(generation_mode=mode, headers={"Authorization": api.headers["authorization"]})

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        check_answer(case.call())

    run()
