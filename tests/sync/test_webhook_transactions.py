"""A channel's order webhook books its order and records the delivery and the event in ONE write
transaction (the order's, shared with concurrent orders by group commit): a delivery is never
recorded without its order, and a repeat of it changes nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, func, select

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.orders import orders
from truecount.adapters.db.tables.sync import channel_order_events, webhook_deliveries
from truecount.emulators.common import hmac_b64
from truecount.services.common.scope import Scope
from truecount.services.stock.levels import stock
from truecount.services.sync.ingest import handle_webhook

SECRET = "s3cret"


def delivery(order_id: int, sku: str, quantity: int) -> tuple[dict[str, str], bytes]:
    body = json.dumps({"id": order_id, "line_items": [{"sku": sku, "quantity": quantity}]}).encode()
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body),
        "X-Shopify-Webhook-Id": uuid.uuid4().hex,
    }
    return headers, body


def counted(db: Database, scope: Scope) -> tuple[int, int, int]:
    """(orders, order events, deliveries) of the merchant."""
    with db.read() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t).where(t.c.merchant_id == scope.merchant_id)).scalar_one()
            for t in (orders, channel_order_events, webhook_deliveries)
        )


@pytest.fixture
def writes(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every write transaction opened through ``db`` during the test (the caller that opened it)."""
    opened: list[str] = []
    write = db.write

    @contextmanager
    def counting() -> Iterator[Connection]:
        opened.append("write")
        with write() as conn:
            yield conn

    monkeypatch.setattr(db, "write", counting)
    return opened


def shop(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    config = {"webhook_secret": SECRET, "base_url": "http://127.0.0.1:9", "location_id": "7"}
    of.channel(db, scope, "shop", ["WH1"], kind="shopify", config=config)


def test_an_order_webhook_is_one_write_transaction_and_its_repeat_none(
    db: Database, scope: Scope, writes: list[str]
) -> None:
    shop(db, scope)
    headers, body = delivery(1001, "MUG", 3)
    writes.clear()

    answer = handle_webhook(db, scope, "shop", headers, body)

    assert (answer.status, answer.delivery_id, answer.applied) == ("accepted", headers["X-Shopify-Webhook-Id"], 1)
    assert writes == ["write"]
    assert counted(db, scope) == (1, 1, 1)
    assert [level.booked for level in stock(db, scope, "MUG")] == [3]
    writes.clear()
    assert handle_webhook(db, scope, "shop", headers, body).status == "duplicate"
    new_id = {**headers, "X-Shopify-Webhook-Id": uuid.uuid4().hex}  # the same event, a new delivery id
    assert handle_webhook(db, scope, "shop", new_id, body).applied == 0
    assert writes == ["write"]  # the new delivery id recorded; the order not booked twice
    assert counted(db, scope) == (1, 1, 2)
    assert [level.booked for level in stock(db, scope, "MUG")] == [3]


def test_a_delivery_whose_order_fails_is_not_recorded(db: Database, scope: Scope) -> None:
    shop(db, scope)
    headers, body = delivery(1002, "MUG", 2_000_000_000)  # more than one order may carry

    with pytest.raises(Exception, match="quantity"):
        handle_webhook(db, scope, "shop", headers, body)

    assert counted(db, scope) == (0, 0, 0)
    assert handle_webhook(db, scope, "shop", *delivery(1002, "MUG", 2)).applied == 1
    assert counted(db, scope) == (1, 1, 1)
