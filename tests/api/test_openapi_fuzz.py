"""schemathesis over /openapi.json with every one of its checks, on both backends, for every operation:
no generated request (valid or not) makes the server fail, every status answered is documented (with
the error schema), headers, content types and bodies conform, bad data is rejected, valid data is
accepted, and every 4xx has the one error shape.

Each operation gets a few schema-valid and a few schema-violating requests (``EXAMPLES`` each, so some
two hundred cases per backend). One allowance, in the configuration rather than by leaving a check out:
``positive_data_acceptance`` also accepts a 422 for schema-valid data, because the services refuse
(422, naming the rule) what a JSON schema cannot say — a rule kind that takes no quantity, a SKU with
a space, a transfer to the same location. Any other refusal of valid data (400, 405, 406, 413, 415)
still fails it, and 5xx fail every check.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import negated_parameters

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope

load_all_checks()
EVERY_CHECK = CHECKS.get_all()
EXAMPLES = 3  # per operation and generation mode
VALID_DATA_ANSWERS = ["2xx", "401", "403", "404", "409", "422", "429"]
CONFIG = {"checks": {"positive_data_acceptance": {"expected-statuses": VALID_DATA_ANSWERS}}}


def check_answer(response: Any) -> None:
    status = response.status_code
    assert status < 500, response.text
    if status >= 400:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body


def test_every_check_is_run() -> None:
    names = {check.__name__ for check in EVERY_CHECK}
    assert {"not_a_server_error", "status_code_conformance", "response_schema_conformance"} <= names
    assert {"negative_data_rejection", "positive_data_acceptance", "ignored_auth", "allow_header_conformance"} <= names
    assert {"unsupported_method", "use_after_free", "ensure_resource_availability", "missing_required_header"} <= names


def credentials_for(case: schemathesis.Case, token: dict[str, str]) -> dict[str, str]:
    """The admin's token, unless the case breaks ``Authorization`` on purpose (leaves it out or mangles
    it): then the request is sent as generated, and must be refused."""
    broken = {name.lower() for name, where in negated_parameters(case.meta) if where == ParameterLocation.HEADER}
    return {} if "authorization" in broken else token


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_makes_the_server_fail_or_answer_off_schema(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope, mode: GenerationMode
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE", barcodes=["400000000001"])
    f.receive(db, scope, "TEE", 5, "WH1")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app, config=SchemathesisConfig.from_dict(CONFIG))
    token = {"Authorization": api.headers["authorization"]}  # explicit: ignored_auth probes without it
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in api_app.openapi()["paths"].values())
    answered: dict[str, int] = {}

    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            check_answer(case.call_and_validate(headers=credentials_for(case, token), checks=EVERY_CHECK))
            answered[case.operation.label] = answered.get(case.operation.label, 0) + 1

        run()
    assert set(answered) == {operation.label for operation in operations}  # every operation was called
    print(f"{sum(answered.values())} {mode.value} cases over {len(operations)} operations")
