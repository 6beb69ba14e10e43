"""Order cancellations and refunds from the webhook channels, end to end with the real parts.

The emulator sells, cancels or refunds on the channel and delivers the webhook it signs (HMAC of the
raw body with the shared secret) over HTTP to truecount's own webhook route, served on loopback with
the real listings, stock and order services. Each delivery is then sent again — byte for byte (a
channel retrying), under a new delivery id (a second subscription), and several at once — and the
order and the stock must change exactly once.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests import factories as f
from tests.sync.conftest import ApiServers, channel_config
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.adapters.db.tables.channels import events
from truecount.domain.commands import CreateChannel
from truecount.emulators.common import hmac_b64
from truecount.emulators.runner import RunningEmulator
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.offers.listings import add_listing
from truecount.services.orders.channel_orders import find_channel_order
from truecount.services.orders.fulfilment import change_order
from truecount.services.orders.results import Order
from truecount.services.orders.views import order_view
from truecount.services.stock.levels import stock

SECRET = "shared-webhook-secret"
DELIVERY_HEADER = {"shopify": "X-Shopify-Webhook-Id", "woocommerce": "X-WC-Webhook-Delivery-ID"}
SIGNATURE_HEADER = {"shopify": "X-Shopify-Hmac-Sha256", "woocommerce": "X-WC-Webhook-Signature"}


@dataclass
class Shop:
    db: Database
    scope: Scope
    kind: str
    emulator: RunningEmulator
    ref: str

    def sell(self, quantity: int) -> tuple[str, dict[str, Any]]:
        """An order on the channel (its line named by our SKU); the emulator delivers the signed webhook."""
        lines = [{"ref": self.ref, "quantity": quantity, "sku": "MUG"}]
        answer = httpx.post(self.emulator.url + "/_emulator/orders", json={"lines": lines}).json()
        assert answer["delivery"]["status"] == 200, answer["delivery"]
        return str(answer["order"]["id"]), answer["delivery"]

    def end(self, order_id: str, action: str) -> dict[str, Any]:
        """Cancel or refund (with restock) the order on the channel; its webhook is delivered."""
        answer = httpx.post(f"{self.emulator.url}/_emulator/orders/{order_id}/{action}").json()
        assert answer["delivery"]["status"] == 200, answer["delivery"]
        delivery: dict[str, Any] = answer["delivery"]
        return delivery

    def redeliver(self, delivery: dict[str, Any], times: int) -> list[int]:
        """The channel sends the same delivery again, byte for byte, ``times`` times at once."""
        url = f"{self.emulator.url}/_emulator/deliveries/{delivery['index']}/redeliver"
        with ThreadPoolExecutor(times) as pool:
            return list(pool.map(lambda _: int(httpx.post(url, timeout=30).json()["status"]), range(times)))

    def resend_as_new_delivery(self, delivery: dict[str, Any]) -> dict[str, Any]:
        """The same event under a fresh delivery id (another subscription), signed as the channel signs."""
        body = delivery["body"].encode()
        headers = {**delivery["headers"], DELIVERY_HEADER[self.kind]: uuid.uuid4().hex}
        headers[SIGNATURE_HEADER[self.kind]] = hmac_b64(SECRET, body)
        answer = httpx.post(delivery["url"], content=body, headers=headers, timeout=30)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def levels(self) -> tuple[int, int, int]:
        [level] = stock(self.db, self.scope, "MUG")
        return level.on_hand, level.booked, level.available

    def order(self, external_id: str) -> Order:
        order_id = find_channel_order(self.db, self.scope, self.kind, external_id)
        with self.db.read() as conn:
            return order_view(conn, self.scope.merchant_id, order_id)

    def line(self, external_id: str) -> tuple[int, int, int, int]:
        """(quantity, fulfilled, cancelled, returned) of the order's only line."""
        [line] = self.order(external_id).lines
        return line.quantity, line.fulfilled, line.cancelled, line.returned


REFS = {"shopify": "101@7", "woocommerce": "55"}


@pytest.fixture
def shop_for(db: Database, scope: Scope, emu: dict[str, RunningEmulator], api: ApiServers) -> Callable[[str], Shop]:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "MUG")
    f.receive(db, scope, "MUG", 10, "WH1")
    with db.read() as conn:
        code = conn.execute(select(merchants.c.code).where(merchants.c.id == scope.merchant_id)).scalar_one()

    def make(kind: str) -> Shop:
        emulator = emu[kind]
        config = channel_config(kind, emulator.url, webhook_secret=SECRET)
        create_channel(db, scope, CreateChannel(kind, kind, ["WH1"], config=config))
        add_listing(db, scope, kind, "MUG", REFS[kind])
        hook = f"{api.url(db)}/api/v1/webhooks/{kind}?merchant={code}"
        httpx.put(emulator.url + "/_emulator/webhook", json={"url": hook, "secret": SECRET}).raise_for_status()
        return Shop(db, scope, kind, emulator, REFS[kind])

    return make


def _ship(shop: Shop, external_id: str) -> None:
    change_order(shop.db, shop.scope, "fulfil", find_channel_order(shop.db, shop.scope, shop.kind, external_id))


def test_a_shopify_refund_with_restock_returns_the_shipped_units_once(shop_for: Callable[[str], Shop]) -> None:
    shop = shop_for("shopify")
    order_id, created = shop.sell(3)
    assert shop.levels() == (10, 3, 7)
    _ship(shop, order_id)
    assert shop.levels() == (7, 0, 7)

    refund = shop.end(order_id, "refund")
    assert '"restock_type": "return"' in refund["body"]
    assert shop.levels() == (10, 0, 10)
    assert shop.line(order_id) == (3, 3, 0, 3)

    assert shop.redeliver(refund, 5) == [200] * 5
    assert shop.redeliver(created, 3) == [200] * 3
    assert shop.resend_as_new_delivery(refund)["applied"] == 0
    assert shop.levels() == (10, 0, 10)
    assert shop.line(order_id) == (3, 3, 0, 3)


def test_partial_shopify_refunds_each_return_their_units_once_however_often_delivered(
    shop_for: Callable[[str], Shop],
) -> None:
    shop = shop_for("shopify")
    order_id, created = shop.sell(3)
    _ship(shop, order_id)
    assert shop.levels() == (7, 0, 7)
    line = json.loads(created["body"])["line_items"][0]
    first = _partial_refund(order_id, 501, line, 1)
    second = _partial_refund(order_id, 502, line, 1)
    hook = created["url"]
    for body, headers in (first, second, first, second, first):  # each retried with its delivery id
        assert httpx.post(hook, content=body, headers=headers, timeout=30).status_code == 200
    for body, _ in (first, second):  # and sent again under new delivery ids
        headers = _shopify_headers("refunds/create", body)
        assert httpx.post(hook, content=body, headers=headers, timeout=30).json()["applied"] == 0
    assert shop.levels() == (9, 0, 9)
    assert shop.line(order_id) == (3, 3, 0, 2)


def _partial_refund(order_id: str, refund_id: int, line: dict[str, Any], quantity: int) -> tuple[bytes, dict[str, str]]:
    """A ``refunds/create`` body as Shopify sends it for ``quantity`` of one line, restocked, signed."""
    body = {
        "id": refund_id,
        "order_id": int(order_id),
        "restock": True,
        "refund_line_items": [
            {
                "id": refund_id,
                "line_item_id": line["id"],
                "quantity": quantity,
                "restock_type": "return",
                "line_item": line,
            }
        ],
    }
    raw = json.dumps(body).encode()
    return raw, _shopify_headers("refunds/create", raw)


def _shopify_headers(topic: str, raw: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, raw),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
    }


def test_a_shopify_refund_before_shipping_releases_the_booking_once(shop_for: Callable[[str], Shop]) -> None:
    shop = shop_for("shopify")
    order_id, _ = shop.sell(4)
    assert shop.levels() == (10, 4, 6)
    refund = shop.end(order_id, "refund")
    assert shop.levels() == (10, 0, 10)
    assert shop.redeliver(refund, 4) == [200] * 4
    assert shop.levels() == (10, 0, 10)
    assert shop.line(order_id) == (4, 0, 4, 0)


def test_a_shopify_refund_without_restock_brings_nothing_back(shop_for: Callable[[str], Shop]) -> None:
    shop = shop_for("shopify")
    order_id, _ = shop.sell(2)
    _ship(shop, order_id)
    refund = shop.end(order_id, "refund")  # restocked: 2 come back
    assert shop.levels() == (10, 0, 10)
    # A second refund of the same order that keeps the goods (restock_type no_restock) changes nothing.
    body = (
        refund["body"]
        .replace('"restock_type": "return"', '"restock_type": "no_restock"')
        .replace('"id": ', '"id": 9', 1)
    )
    headers = {**refund["headers"], "X-Shopify-Webhook-Id": uuid.uuid4().hex}
    headers["X-Shopify-Hmac-Sha256"] = hmac_b64(SECRET, body.encode())
    answer = httpx.post(refund["url"], content=body.encode(), headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert shop.levels() == (10, 0, 10)
    assert shop.line(order_id) == (2, 2, 0, 2)


@pytest.mark.parametrize("kind", ["woocommerce", "shopify"])
def test_a_cancel_on_the_channel_releases_the_booking_once(shop_for: Callable[[str], Shop], kind: str) -> None:
    shop = shop_for(kind)
    order_id, created = shop.sell(2)
    assert shop.levels() == (10, 2, 8)
    cancel = shop.end(order_id, "cancel")
    topic = cancel["headers"].get("X-Shopify-Topic") or json.loads(cancel["body"])["status"]
    assert topic == {"shopify": "orders/cancelled", "woocommerce": "cancelled"}[kind]
    assert shop.levels() == (10, 0, 10)
    assert shop.order(order_id).status == "cancelled"

    assert shop.redeliver(cancel, 5) == [200] * 5
    assert shop.redeliver(created, 3) == [200] * 3
    assert shop.resend_as_new_delivery(cancel)["applied"] == 0
    assert shop.levels() == (10, 0, 10)
    assert shop.line(order_id) == (2, 0, 2, 0)


def test_a_woocommerce_refund_returns_the_shipped_units_once(shop_for: Callable[[str], Shop]) -> None:
    shop = shop_for("woocommerce")
    order_id, _ = shop.sell(3)
    _ship(shop, order_id)
    assert shop.levels() == (7, 0, 7)
    refund = shop.end(order_id, "refund")
    assert '"status": "refunded"' in refund["body"]
    assert shop.levels() == (10, 0, 10)

    assert shop.redeliver(refund, 5) == [200] * 5
    assert shop.resend_as_new_delivery(refund)["applied"] == 0
    assert shop.levels() == (10, 0, 10)
    assert shop.line(order_id) == (3, 3, 0, 3)


def test_a_woocommerce_refund_before_shipping_releases_the_booking_once(shop_for: Callable[[str], Shop]) -> None:
    shop = shop_for("woocommerce")
    order_id, _ = shop.sell(5)
    assert shop.levels() == (10, 5, 5)
    refund = shop.end(order_id, "refund")
    assert shop.levels() == (10, 0, 10)
    assert shop.redeliver(refund, 3) == [200] * 3
    assert shop.levels() == (10, 0, 10)
    assert shop.line(order_id) == (5, 0, 5, 0)


def test_a_shopify_order_with_a_custom_item_and_an_unknown_sku_books_what_it_knows(
    shop_for: Callable[[str], Shop], db: Database, scope: Scope
) -> None:
    """Refusing the whole order would leave MUG unbooked while Shopify retried for two days."""
    shop = shop_for("shopify")
    lines = [
        {"ref": shop.ref, "quantity": 2, "sku": "MUG"},
        {"ref": "900@7", "quantity": 1, "sku": ""},  # a custom item (a tip, gift wrap): no SKU
        {"ref": "901@7", "quantity": 1, "sku": "NOT-HERE"},  # a product not set up in truecount
    ]
    answer = httpx.post(shop.emulator.url + "/_emulator/orders", json={"lines": lines}).json()
    assert answer["delivery"]["status"] == 200, answer["delivery"]
    order_id = str(answer["order"]["id"])
    assert shop.levels() == (10, 2, 8)
    assert [line.sku for line in shop.order(order_id).lines] == ["MUG"]
    with db.read() as conn:
        reported = [
            json.loads(p)
            for p in conn.execute(
                select(events.c.payload).where(
                    events.c.merchant_id == scope.merchant_id, events.c.topic == "channel_order_unknown_sku"
                )
            ).scalars()
        ]
    unknown = [{"sku": "", "quantity": 1}, {"sku": "NOT-HERE", "quantity": 1}]
    assert reported == [{"channel": "shopify", "external_id": order_id, "lines": unknown}]
    assert shop.redeliver(answer["delivery"], 3) == [200] * 3  # retried: reported once, booked once
    assert shop.levels() == (10, 2, 8)
    refund = shop.end(order_id, "refund")  # refunds every line, the unknown ones too: skipped, not a 404
    assert refund["status"] == 200
    assert shop.levels() == (10, 0, 10)


def test_a_shopify_refund_without_restock_before_shipping_still_releases_the_booking(
    shop_for: Callable[[str], Shop],
) -> None:
    shop = shop_for("shopify")
    order_id, created = shop.sell(3)
    assert shop.levels() == (10, 3, 7)
    [line] = json.loads(created["body"])["line_items"]
    body, headers = _partial_refund(order_id, 701, line, 3)
    body = body.replace(b'"restock_type": "return"', b'"restock_type": "no_restock"')
    headers["X-Shopify-Hmac-Sha256"] = hmac_b64(SECRET, body)
    answer = httpx.post(created["url"], content=body, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert shop.levels() == (10, 0, 10)  # never shipped: the units are still on the shelf, free again
    assert shop.line(order_id) == (3, 0, 3, 0)
