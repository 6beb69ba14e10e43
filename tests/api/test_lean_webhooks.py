"""The short path of ``POST /api/v1/webhooks/{channel}`` answers a delivery whose query names at most
the merchant, as the declared route would; anything else reaches the declared route, answered as before."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api_factories import assert_error, merchant_code
from tests.sync.test_webhook_group_commit import signed
from tests.sync.test_webhook_transactions import counted, shop
from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.lean_webhooks import PASSED, LeanWebhookRoute
from truecount.services.common.scope import Scope


def http_scope(**changes: Any) -> dict[str, Any]:
    scope = {"type": "http", "method": "POST", "path": "/api/v1/webhooks/shop", "query_string": b"", "headers": []}
    return {**scope, **changes}


def test_the_short_path_is_tried_second_and_takes_only_a_post_to_one_channel(api_app: FastAPI) -> None:
    route = api_app.router.routes[1]  # after the orders' short path
    assert isinstance(route, LeanWebhookRoute)

    assert route.matches(http_scope())[0].name == "FULL"
    assert route.matches(http_scope(query_string=b"merchant=m1"))[0].name == "FULL"
    assert route.matches(http_scope(method="GET"))[0].name == "NONE"
    assert route.matches(http_scope(path="/api/v1/webhooks/"))[0].name == "NONE"
    assert route.matches(http_scope(path="/api/v1/webhooks/shop/x"))[0].name == "NONE"
    assert route.matches(http_scope(path="/api/v1/orders"))[0].name == "NONE"
    assert route.matches(http_scope(**{PASSED: True}))[0].name == "NONE"


def test_a_delivery_is_answered_as_the_declared_route_answers_and_other_queries_reach_it(
    api_app: FastAPI, db: Database, scope: Scope
) -> None:
    shop(db, scope)
    merchant = merchant_code(db, scope)
    client = TestClient(api_app)
    headers, body = signed(900, 2)

    accepted = client.post(f"/api/v1/webhooks/shop?merchant={merchant}", content=body, headers=headers)
    again = client.post(f"/api/v1/webhooks/shop?merchant={merchant}", content=body, headers=headers)
    unknown = client.post(f"/api/v1/webhooks/shop?merchant={merchant}&colour=red", content=body, headers=headers)
    forged = client.post(
        f"/api/v1/webhooks/shop?merchant={merchant}", content=body, headers={**headers, "X-Shopify-Hmac-Sha256": "AA"}
    )

    delivery_id = headers["X-Shopify-Webhook-Id"]
    assert (accepted.status_code, accepted.json()) == (
        200,
        {"status": "accepted", "delivery_id": delivery_id, "applied": 1},
    )
    assert (again.status_code, again.json()) == (200, {"status": "duplicate", "delivery_id": delivery_id, "applied": 0})
    assert "merchant" in assert_error(unknown, 422, "invalid_input", "colour")["message"]  # the declared route's
    assert_error(forged, 401, "unauthorized", "signature")
    assert counted(db, scope) == (1, 1, 1)
