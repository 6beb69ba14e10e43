"""A signed webhook whose body does not match its topic's schema is refused with a 422 in the one error
shape, books nothing, and is counted (with its reason) in the channel's sync status — Shopify and
WooCommerce, every malformed shape the hostile-input campaign sent, on both backends."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests import factories as f
from tests.api_factories import assert_error, merchant_code
from tests.sync.conftest import channel_config
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.emulators.common import hmac_b64
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.stock.levels import stock

SECRET = "payload-secret"
TOPIC = {"shopify": ("X-Shopify-Topic", "orders/create"), "woocommerce": ("X-WC-Webhook-Topic", "order.created")}
DELIVERY = {"shopify": "X-Shopify-Webhook-Id", "woocommerce": "X-WC-Webhook-Delivery-ID"}
SIGNATURE = {"shopify": "X-Shopify-Hmac-Sha256", "woocommerce": "X-WC-Webhook-Signature"}


def line(quantity: object) -> dict[str, object]:
    return {"sku": "TEE", "quantity": quantity, "product_id": 5}


MALFORMED = {
    "a list": (b"[1,2]", "body: should be a JSON object"),
    "no id": (b'{"line_items":[]}', "id: Field required"),
    "lines not a list": (b'{"id":"x","line_items":"x"}', "line_items: Input should be a valid list"),
    "a line not an object": (b'{"id":"x","line_items":[5]}', "line_items[0]: should be a JSON object"),
    "null quantity": (json.dumps({"id": 9, "line_items": [line(None)]}).encode(), "line_items[0].quantity"),
    "fractional quantity": (json.dumps({"id": 9, "line_items": [line(1.7)]}).encode(), "(got 1.7)"),
    "quantity as text": (json.dumps({"id": 9, "line_items": [line("2")]}).encode(), '(got "2")'),
    "quantity true": (json.dumps({"id": 9, "line_items": [line(True)]}).encode(), "(got true)"),
    "whole float": (json.dumps({"id": 9, "line_items": [line(1.0)]}).encode(), "(got 1.0)"),
    "no lines": (json.dumps({"id": 9, "line_items": []}).encode(), "line_items"),
    "not json": (b'{"id": 9, "line_items": [', "is not JSON"),
}


def _shop(db: Database, scope: Scope, kind: str) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    config = channel_config(kind, "http://127.0.0.1:9", webhook_secret=SECRET)  # never called: webhooks only
    create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=config))


def _post(app: FastAPI, db: Database, scope: Scope, kind: str, body: bytes, topic: str | None = None) -> httpx.Response:
    name, default = TOPIC[kind]
    headers = {
        "Content-Type": "application/json",
        name: topic or default,
        DELIVERY[kind]: uuid.uuid4().hex,
        SIGNATURE[kind]: hmac_b64(SECRET, body),
    }
    return TestClient(app).post(
        f"/api/v1/webhooks/{kind}?merchant={merchant_code(db, scope)}", content=body, headers=headers
    )


def _status(api: TestClient, kind: str) -> dict[str, object]:
    [row] = [r for r in api.get("/api/v1/sync/status").json() if r["channel"] == kind]
    return dict(row)


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_signed_malformed_webhook_is_refused_books_nothing_and_shows_in_sync_status(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope, kind: str, case: str
) -> None:
    _shop(db, scope, kind)
    body, reason = MALFORMED[case]
    answer = _post(api_app, db, scope, kind, body)
    error = assert_error(answer, 422, "invalid_input", "body")
    assert reason in error["message"], error
    assert api.get("/api/v1/orders").json() == []
    assert [level.booked for level in stock(db, scope, "TEE")] == [0]
    status = _status(api, kind)
    assert status["orders_refused"] == 1
    assert reason in str(status["last_order_refusal"]), status
    assert status["last_order_refused_at"] is not None


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
def test_a_well_formed_webhook_after_a_refused_one_books_exactly_its_lines(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope, kind: str
) -> None:
    _shop(db, scope, kind)
    assert _post(api_app, db, scope, kind, MALFORMED["fractional quantity"][0]).status_code == 422
    good = json.dumps({"id": 9, "status": "processing", "line_items": [line(2)]}).encode()
    answer = _post(api_app, db, scope, kind, good)
    assert answer.status_code == 200 and answer.json()["applied"] == 1, answer.text
    assert [level.booked for level in stock(db, scope, "TEE")] == [2]
    assert _status(api, kind)["orders_refused"] == 1


def test_a_shopify_refund_with_a_fractional_quantity_is_refused(
    api_app: FastAPI, api: TestClient, db: Database, scope: Scope
) -> None:
    _shop(db, scope, "shopify")
    assert (
        _post(api_app, db, scope, "shopify", json.dumps({"id": 9, "line_items": [line(2)]}).encode()).status_code == 200
    )
    refund = {"id": 1, "order_id": 9, "refund_line_items": [{"quantity": 0.5, "line_item": {"sku": "TEE"}}]}
    answer = _post(api_app, db, scope, "shopify", json.dumps(refund).encode(), topic="refunds/create")
    error = assert_error(answer, 422, "invalid_input", "body")
    assert "refund_line_items[0].quantity" in error["message"]
    [order] = api.get("/api/v1/orders").json()
    assert order["lines"][0]["cancelled"] == 0 and [level.booked for level in stock(db, scope, "TEE")] == [2]
