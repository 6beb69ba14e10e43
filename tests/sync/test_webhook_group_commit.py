"""Channel webhooks on the event loop's group commit (what ``POST /api/v1/webhooks/{channel}`` runs):
concurrent deliveries share one read and one write transaction, each still gets its own answer, and
every guarantee of a delivery holds — the signature (401, nothing written), one booking per delivery id
even when copies race, the event's and delivery's records in the booking's transaction, refusals
recorded, a kept channel read again when its row changed."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Awaitable
from typing import Any

import pytest

from tests.api_factories import merchant_code
from tests.sync.test_webhook_transactions import SECRET, counted, reads, shop, writes  # noqa: F401
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput, Unauthorized
from truecount.emulators.common import hmac_b64
from truecount.services.channels.config import configure_channel
from truecount.services.common.scope import Scope
from truecount.services.orders import engine
from truecount.services.orders.channel_webhooks import receive_webhook_async
from truecount.services.stock.levels import stock
from truecount.services.sync import webhook_channels
from truecount.services.sync.ingest import WebhookAnswer
from truecount.services.sync.status import sync_status

MAX_QUANTITY = 1_000_000
Delivery = tuple[dict[str, str], bytes]


def signed(order_id: int, quantity: int = 1, *, secret: str = SECRET, delivery_id: str = "") -> Delivery:
    body = json.dumps({"id": order_id, "line_items": [{"sku": "MUG", "quantity": quantity}]}).encode()
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": hmac_b64(secret, body),
        "X-Shopify-Webhook-Id": delivery_id or uuid.uuid4().hex,
    }
    return headers, body


def together(db: Database, merchant: str, deliveries: list[Delivery]) -> list[Any]:
    """The deliveries to ``merchant`` awaited together on one loop; each one's answer or error."""

    def receive(delivery: Delivery) -> Awaitable[WebhookAnswer]:
        return receive_webhook_async(db, merchant, "shop", delivery[0], delivery[1], MAX_QUANTITY)

    async def everyone() -> list[Any]:
        return list(await asyncio.gather(*(receive(d) for d in deliveries), return_exceptions=True))

    return asyncio.run(everyone())


def kept_shop(db: Database, scope: Scope) -> str:
    """The shop, its channel kept and its merchant known by this process (one delivery made); the
    merchant's code."""
    shop(db, scope)
    merchant = merchant_code(db, scope)
    [first] = together(db, merchant, [signed(100)])
    assert (first.status, first.applied) == ("accepted", 1)
    return merchant


def booked(db: Database, scope: Scope) -> list[int]:
    return [level.booked for level in stock(db, scope, "MUG")]


def test_deliveries_awaited_together_share_one_read_and_one_write_transaction(
    db: Database,
    scope: Scope,
    reads: list[str],  # noqa: F811
    writes: list[str],  # noqa: F811
) -> None:
    merchant = kept_shop(db, scope)
    reads.clear()
    writes.clear()

    answers = together(db, merchant, [signed(200 + n) for n in range(8)])

    assert [(a.status, a.applied) for a in answers] == [("accepted", 1)] * 8
    assert (reads, writes) == (["read"], ["write"])  # 8 deliveries alone: 8 of each
    assert counted(db, scope) == (9, 9, 9)  # orders, events, deliveries: recorded with their orders
    assert booked(db, scope) == [9]


def test_a_bad_signature_among_good_deliveries_is_refused_alone_and_writes_nothing(db: Database, scope: Scope) -> None:
    merchant = kept_shop(db, scope)
    forged = signed(301, secret="not-the-secret")

    answers = together(db, merchant, [signed(300), forged, signed(302)])

    assert isinstance(answers[1], Unauthorized) and answers[1].field == "signature"
    assert [(a.status, a.applied) for a in (answers[0], answers[2])] == [("accepted", 1)] * 2
    assert counted(db, scope) == (3, 3, 3)
    assert booked(db, scope) == [3]


def test_copies_of_a_delivery_awaited_together_book_it_once(db: Database, scope: Scope) -> None:
    merchant = kept_shop(db, scope)
    copy = signed(400, 2)

    answers = together(db, merchant, [copy, copy, signed(401), copy])

    assert [(a.status, a.applied) for a in answers] == [
        ("accepted", 1),
        ("duplicate", 0),
        ("accepted", 1),
        ("duplicate", 0),
    ]
    assert counted(db, scope) == (3, 3, 3)
    assert booked(db, scope) == [1 + 2 + 1]
    assert together(db, merchant, [copy]) == [WebhookAnswer("duplicate", copy[0]["X-Shopify-Webhook-Id"], 0)]


def test_copies_racing_in_two_transactions_book_it_once(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies, each on its own loop (two processes' groups): both are read as new before either
    books, then both transactions book at once; the order and the delivery are recorded once."""
    merchant = kept_shop(db, scope)
    copy = signed(500, 3)
    both_checked = threading.Barrier(2, timeout=60)
    real = engine.book

    def book(*args: Any, **options: Any) -> Any:
        both_checked.wait()
        return real(*args, **options)

    monkeypatch.setattr(engine, "book", book)
    answers: list[Any] = [None, None]

    def on_its_own_loop(n: int) -> None:
        answers[n] = together(db, merchant, [copy])[0]

    threads = [threading.Thread(target=on_its_own_loop, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted((a.status, a.applied) for a in answers) == [("accepted", 0), ("accepted", 1)], answers
    assert counted(db, scope) == (2, 2, 2)
    assert booked(db, scope) == [1 + 3]


def test_refused_deliveries_are_recorded_and_book_nothing(db: Database, scope: Scope) -> None:
    merchant = kept_shop(db, scope)
    too_many = signed(600, 2_000_000_000)  # more than one order may carry
    body = b'{"id": 601, "line_items": []}'
    no_lines = ({**signed(601)[0], "X-Shopify-Hmac-Sha256": hmac_b64(SECRET, body)}, body)

    answers = together(db, merchant, [too_many, no_lines, signed(602)])

    assert isinstance(answers[0], InvalidInput) and answers[0].field == "lines[0].quantity"
    assert isinstance(answers[1], InvalidInput) and answers[1].field == "body"
    assert (answers[2].status, answers[2].applied) == ("accepted", 1)
    assert counted(db, scope) == (2, 2, 2)
    assert booked(db, scope) == [2]
    [status] = sync_status(db, scope)
    assert status.orders_refused == 2


def test_a_kept_channel_whose_settings_changed_is_read_again_before_booking(db: Database, scope: Scope) -> None:
    merchant = kept_shop(db, scope)
    before = webhook_channels.kept(db, scope.merchant_id, "shop")
    assert before is not None
    configure_channel(db, scope, "shop", {"location_id": "8"})  # the secret unchanged, the row not

    [answer] = together(db, merchant, [signed(700)])

    assert (answer.status, answer.applied) == ("accepted", 1)
    now = webhook_channels.kept(db, scope.merchant_id, "shop")
    assert now is not None and now.row != before.row and now.channel is not None
    assert now.channel.config["location_id"] == "8"
    configure_channel(db, scope, "shop", {"webhook_secret": "n3w-secret"})
    old, new = signed(701), signed(702, secret="n3w-secret")
    answers = together(db, merchant, [old, new])
    assert isinstance(answers[0], Unauthorized)
    assert (answers[1].status, answers[1].applied) == ("accepted", 1)
    assert counted(db, scope) == (3, 3, 3)


def test_a_group_that_fails_as_a_whole_answers_each_delivery_on_the_full_path(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    merchant = kept_shop(db, scope)
    failing: list[int] = []

    def check_group(*args: Any) -> Any:
        failing.append(len(args[3]))
        raise RuntimeError("the group's read failed")

    monkeypatch.setattr(webhook_channels, "check_group", check_group)

    answers = together(db, merchant, [signed(800), signed(801)])

    assert failing == [2]
    assert [(a.status, a.applied) for a in answers] == [("accepted", 1)] * 2
    assert counted(db, scope) == (3, 3, 3)


def test_one_event_delivered_under_two_ids_together_is_applied_once_and_both_recorded(
    db: Database, scope: Scope
) -> None:
    merchant = kept_shop(db, scope)

    answers = together(db, merchant, [signed(900, 2), signed(900, 2), signed(901)])

    assert [(a.status, a.applied) for a in answers] == [("accepted", 1), ("accepted", 0), ("accepted", 1)]
    assert counted(db, scope) == (3, 3, 4)  # two deliveries recorded for the one order
    assert booked(db, scope) == [1 + 2 + 1]
