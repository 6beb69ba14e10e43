"""schemathesis over /openapi.json with its checks: no generated request (valid or not) makes the
server fail, every status answered is documented (with the error schema), headers, content types and
bodies conform, bad data is rejected, and every 4xx has the one error shape.

One check is left out on purpose: ``positive_data_acceptance`` expects every schema-valid request to
be accepted, but the services refuse (422, naming the rule) what a JSON schema cannot say — a rule
kind that takes no quantity, a SKU with a space, a transfer to the same location. Every other
check runs, on both backends.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope

load_all_checks()
NOT_RUN = {"positive_data_acceptance"}
CHECKED = [check for check in CHECKS.get_all() if check.__name__ not in NOT_RUN]


def check_answer(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, response.text  # type: ignore[attr-defined]
    if status >= 400:
        body = response.json()  # type: ignore[attr-defined]
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body


def test_every_check_but_one_is_run() -> None:
    names = {check.__name__ for check in CHECKED}
    assert {"not_a_server_error", "status_code_conformance", "response_schema_conformance"} <= names
    assert {"negative_data_rejection", "ignored_auth", "allow_header_conformance", "unsupported_method"} <= names


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_makes_the_server_fail_or_answer_off_schema(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope, mode: GenerationMode
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE", barcodes=["400000000001"])
    f.receive(db, scope, "TEE", 5, "WH1")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    strategy = schema.as_strategy(generation_mode=mode)
    credentials = {"Authorization": api.headers["authorization"]}  # explicit: ignored_auth probes without it

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        check_answer(case.call_and_validate(headers=credentials, checks=CHECKED))

    run()
