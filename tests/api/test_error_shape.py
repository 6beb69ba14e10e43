"""Every API route — including ones added later — answers refusals in the one error shape."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_factories import assert_error

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def api_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every operation in the OpenAPI document, path parameters filled in."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            found.append((method.upper(), re.sub(r"\{[^}]+\}", "X-1", path)))
    return found


def test_every_api_route_refuses_a_caller_without_credentials_in_the_error_shape(api_app: FastAPI) -> None:
    routes = api_routes(api_app)
    assert len(routes) >= 7
    client = TestClient(api_app)
    for method, path in routes:
        if path.startswith("/api/v1/webhooks/"):
            continue  # a channel's webhook is authenticated by its signature, not a token
        response = client.request(method, path, json={})
        assert_error(response, 401, "unauthorized")


def test_every_api_write_refuses_a_viewer_or_a_bad_body_in_the_error_shape(
    api_app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    viewer = client_as("viewer")
    admin = client_as("admin")
    for method, path in api_routes(api_app):
        if method not in WRITES or path.startswith("/api/v1/webhooks/"):
            continue
        refused = viewer.request(method, path, json={})
        assert refused.status_code in (403, 404, 422), (method, path, refused.text)
        assert_error(refused, refused.status_code, refused.json()["error"]["code"])
        bad = admin.request(method, path, content=b"[not json", headers={"content-type": "application/json"})
        assert 400 <= bad.status_code < 500, (method, path, bad.text)
        assert_error(bad, bad.status_code, bad.json()["error"]["code"])


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/stock/X/nothing"])
def test_an_unknown_api_path_is_a_404_in_the_error_shape(api: TestClient, path: str) -> None:
    assert_error(api.get(path), 404, "not_found")


def test_a_refusal_of_a_validator_gives_its_own_reason_and_writes_nothing(api: TestClient) -> None:
    """A schema's validator refusal reads as the validator wrote it (no ``Value error, `` prefix)."""
    error = assert_error(
        api.post("/api/v1/locations", json={"code": "WH\x01", "name": "Overflow"}), 422, "invalid_input", "code"
    )
    assert error["details"] == [{"field": "code", "reason": "must not contain control characters"}]
    assert error["message"] == "code: must not contain control characters"
    assert api.get("/api/v1/locations").json() == []
    error = assert_error(api.get("/api/v1/stock", params={"as_of": "0.5"}), 422, "invalid_input", "as_of")
    assert error["details"][0]["reason"].startswith("must be an ISO 8601 date or date-time")
