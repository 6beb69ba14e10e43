"""Bodies are held to their route's limit while read, after the caller is authenticated: 401 or 413
in the one error shape, before any parsing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_factories import assert_error
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.app import create_app
from truecount.settings import Settings

MOVEMENT = b'{"kind": "receive", "sku": "TEE", "location": "WH1", "quantity": 1}'


def chunks(total: int, seen: list[int], size: int = 65_536) -> Iterator[bytes]:
    """A chunked body (no Content-Length) that records how much of it was taken."""
    sent = 0
    while sent < total:
        seen.append(size)
        sent += size
        yield b" " * size


def test_a_body_without_credentials_is_refused_401_before_it_is_read(api_app: FastAPI) -> None:
    seen: list[int] = []
    client = TestClient(api_app)
    response = client.post(
        "/api/v1/products", content=chunks(20 * 1024 * 1024, seen), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 401, "unauthorized", field="authorization")
    assert sum(seen) <= 65_536 * 2, "the body was read before the credentials were checked"


def test_a_declared_length_over_the_limit_is_refused_413_at_once(api: TestClient) -> None:
    response = api.post(
        "/api/v1/movements",
        content=b" " * (1_048_576 + 1),
        headers={"Content-Type": "application/json"},
    )
    error = assert_error(response, 413, "too_large", field="body")
    assert "max_json_body_bytes" in error["message"]


def call_asgi(app: FastAPI, path: str, headers: dict[str, str], body: Iterator[bytes]) -> tuple[int, bytes]:
    """Send a streamed body to the application the way a server does (one ``http.request`` message per
    chunk, asked for one at a time), and collect the answer."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        chunk = next(body, None)
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return int(answer["status"]), bytes(answer["body"])


def test_a_chunked_body_is_stopped_at_the_limit_while_read(api_app: FastAPI, api: TestClient) -> None:
    seen: list[int] = []
    headers = {"Authorization": api.headers["authorization"], "Content-Type": "application/json"}
    status, body = call_asgi(api_app, "/api/v1/movements", headers, chunks(20 * 1024 * 1024, seen))
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large", body
    assert sum(seen) <= 1_048_576 + 65_536, f"read {sum(seen)} bytes of a body limited to 1 MiB"


def test_without_credentials_not_one_chunk_is_read(api_app: FastAPI) -> None:
    seen: list[int] = []
    status, _ = call_asgi(api_app, "/api/v1/products", {"Content-Type": "application/json"}, chunks(10**7, seen))
    assert status == 401 and seen == []


def test_the_limit_is_a_setting_and_a_body_within_it_is_served(db: Database, api: TestClient) -> None:
    small = create_app(Settings(database_url=db.url, secret_key="test-secret", max_json_body_bytes=1024), db)
    client = TestClient(small, headers=dict(api.headers))
    refused = client.post(
        "/api/v1/movements", content=MOVEMENT + b" " * 1024, headers={"Content-Type": "application/json"}
    )
    assert_error(refused, 413, "too_large", field="body")
    served = client.post("/api/v1/movements", content=MOVEMENT, headers={"Content-Type": "application/json"})
    assert served.status_code == 404, served.text  # read and understood: the SKU is unknown to this merchant


def test_webhooks_and_the_sign_in_form_have_their_own_limits_without_credentials(api_app: FastAPI) -> None:
    client = TestClient(api_app)
    hook = client.post("/api/v1/webhooks/shop?merchant=x", content=b"{" + b" " * 2_097_152 + b"}")
    assert_error(hook, 413, "too_large", field="body")
    form = client.post(
        "/login",
        content=b"name=a&password=" + b"x" * 70_000,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    assert_error(form, 413, "too_large", field="body")
