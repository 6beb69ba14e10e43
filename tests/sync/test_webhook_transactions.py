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
from truecount.adapters.db.tables.channels import events
from truecount.adapters.db.tables.orders import orders
from truecount.adapters.db.tables.sync import channel_order_events, webhook_deliveries
from truecount.domain.errors import InvalidInput, Unauthorized
from truecount.emulators.common import hmac_b64
from truecount.services.channels.config import configure_channel
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


def _opened(db: Database, monkeypatch: pytest.MonkeyPatch, kind: str) -> list[str]:
    """Every transaction of ``kind`` (``read`` or ``write``) opened through ``db`` during the test."""
    opened: list[str] = []
    begin = getattr(db, kind)

    @contextmanager
    def counting() -> Iterator[Connection]:
        opened.append(kind)
        with begin() as conn:
            yield conn

    monkeypatch.setattr(db, kind, counting)
    return opened


@pytest.fixture
def writes(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every write transaction opened through ``db`` during the test."""
    return _opened(db, monkeypatch, "write")


@pytest.fixture
def reads(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read transaction opened through ``db`` during the test."""
    return _opened(db, monkeypatch, "read")


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

    with pytest.raises(InvalidInput) as refused:
        handle_webhook(db, scope, "shop", headers, body)
    assert refused.value.field == "lines[0].quantity"  # the line's path, as POST /orders names it (not body)

    assert counted(db, scope) == (0, 0, 0)
    assert handle_webhook(db, scope, "shop", *delivery(1002, "MUG", 2)).applied == 1
    assert counted(db, scope) == (1, 1, 1)


def test_a_delivery_on_a_channel_the_process_keeps_makes_one_read_and_one_write(
    db: Database, scope: Scope, reads: list[str], writes: list[str]
) -> None:
    shop(db, scope)
    assert handle_webhook(db, scope, "shop", *delivery(1101, "MUG", 1)).applied == 1
    reads.clear()
    writes.clear()

    answer = handle_webhook(db, scope, "shop", *delivery(1102, "MUG", 2))

    assert answer.applied == 1
    assert (reads, writes) == (["read"], ["write"])  # the channel confirmed with the delivery, events, SKUs
    assert counted(db, scope) == (2, 2, 2)
    assert [level.booked for level in stock(db, scope, "MUG")] == [3]


def test_a_new_webhook_secret_holds_at_once_for_a_process_that_kept_the_channel(db: Database, scope: Scope) -> None:
    shop(db, scope)
    assert handle_webhook(db, scope, "shop", *delivery(1201, "MUG", 1)).applied == 1  # the channel now kept
    configure_channel(db, scope, "shop", {"webhook_secret": "n3w-secret"})

    with pytest.raises(Unauthorized):  # signed with the old secret: refused, nothing written
        handle_webhook(db, scope, "shop", *delivery(1202, "MUG", 1))
    headers, body = delivery(1203, "MUG", 1)
    headers["X-Shopify-Hmac-Sha256"] = hmac_b64("n3w-secret", body)
    assert handle_webhook(db, scope, "shop", headers, body).applied == 1  # the new secret, at once

    assert counted(db, scope) == (2, 2, 2)
    assert [level.booked for level in stock(db, scope, "MUG")] == [2]


def test_a_kept_channel_that_stops_taking_webhooks_refuses_the_next_delivery(db: Database, scope: Scope) -> None:
    shop(db, scope)
    assert handle_webhook(db, scope, "shop", *delivery(1301, "MUG", 1)).applied == 1
    # Settings edited under the kept channel (here: its address removed): the delivery's read sees the
    # row changed and the channel is read again before anything is booked.
    configure_channel(db, scope, "shop", {"base_url": None, "webhook_secret": None})

    with pytest.raises(Unauthorized):
        handle_webhook(db, scope, "shop", *delivery(1302, "MUG", 1))
    assert counted(db, scope) == (1, 1, 1)


def test_a_webhook_line_naming_an_unknown_sku_is_set_aside_from_the_one_read(db: Database, scope: Scope) -> None:
    shop(db, scope)
    body = json.dumps(
        {"id": 1401, "line_items": [{"sku": "MUG", "quantity": 1}, {"sku": "TIP", "quantity": 1}]}
    ).encode()
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body),
        "X-Shopify-Webhook-Id": uuid.uuid4().hex,
    }

    assert handle_webhook(db, scope, "shop", headers, body).applied == 1

    assert counted(db, scope) == (1, 1, 1)
    assert [level.booked for level in stock(db, scope, "MUG")] == [1]
    with db.read() as conn:
        topics = conn.execute(select(events.c.topic).where(events.c.merchant_id == scope.merchant_id)).scalars().all()
    assert "channel_order_unknown_sku" in topics
