"""Security headers on every answer; the OpenAPI document names every refusal in the error schema."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from truecount.entrypoints.api.openapi import statuses

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def test_pages_cannot_be_framed_or_sniffed_and_run_only_their_own_scripts(api_app: FastAPI, api: TestClient) -> None:
    for response in (TestClient(api_app).get("/login"), api.get("/scan"), api.get("/api/v1/me"), api.get("/nope")):
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, (response.url, name)
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy


def test_no_page_carries_inline_script_or_style(api: TestClient) -> None:
    for path in ("/", "/scan", "/labels", "/orders", "/incidents", "/channels", "/trackers"):
        html = api.get(path).text
        assert " onclick=" not in html and " onchange=" not in html and " style=" not in html, path
        assert "<script>" not in html, path


def test_every_operation_documents_its_refusals_with_the_error_schema(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    assert "Error" in document["components"]["schemas"]
    operations = 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            operations += 1
            responses = operation["responses"]
            for status in statuses(path, method, operation):
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            if path.startswith("/api/v1/webhooks/"):
                continue
            assert {"401", "403", "422", "503"} <= set(responses), (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {"404", "409", "413"} <= set(responses), (method, path)
    assert operations > 20
