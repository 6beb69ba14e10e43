"""The rules of a delivery are written once (:mod:`truecount.domain.webhooks`) and both paths that answer
one call them: the full path (``ingest.handle_webhook``, one delivery) and the group path on the event
loop (``channel_webhooks``, what the API runs). So a repeated delivery id and an event applied before
are answered the same whichever path met the delivery first and whichever meets the repeat."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sync.test_webhook_group_commit import booked, kept_shop, signed, together
from tests.sync.test_webhook_transactions import counted
from truecount.adapters.db.engine import Database
from truecount.domain import webhooks
from truecount.domain.webhooks import WebhookAnswer
from truecount.services.common.scope import Scope
from truecount.services.sync import ingest

PATHS = ["full", "group"]
Delivery = tuple[dict[str, str], bytes]


def answer(db: Database, scope: Scope, merchant: str, path: str, delivery: Delivery) -> Any:
    """One delivery's answer on ``path`` (``full``: ``handle_webhook`` alone; ``group``: the API's path)."""
    if path == "full":
        return ingest.handle_webhook(db, scope, "shop", *delivery)
    [found] = together(db, merchant, [delivery])
    return found


def group_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on the group path may not hand a delivery to the full path: it answers it itself."""

    def refuse(*args: Any) -> Any:
        raise AssertionError("the group path left the delivery to the full path")

    monkeypatch.setattr(ingest, "handle_webhook", refuse)


@pytest.mark.parametrize("first", PATHS)
@pytest.mark.parametrize("then", PATHS)
def test_a_repeated_delivery_id_is_a_duplicate_whichever_path_met_it(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch, first: str, then: str
) -> None:
    merchant = kept_shop(db, scope)
    delivery = signed(1500, 2)
    delivery_id = delivery[0]["X-Shopify-Webhook-Id"]
    assert answer(db, scope, merchant, first, delivery) == WebhookAnswer("accepted", delivery_id, 1)
    if then == "group":
        group_alone(monkeypatch)

    again = answer(db, scope, merchant, then, delivery)

    assert again == WebhookAnswer("duplicate", delivery_id, 0)
    assert counted(db, scope) == (2, 2, 2)  # orders, events, deliveries: the repeat recorded nothing
    assert booked(db, scope) == [1 + 2]


@pytest.mark.parametrize("then", PATHS)
def test_a_delivery_id_is_known_by_what_is_recorded_of_it_on_both_paths(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    """A delivery id longer than is recorded: a later id that differs only past that length is the
    same delivery on either path."""
    merchant = kept_shop(db, scope)
    long_id = "d" * webhooks.DELIVERY_ID_CHARS
    delivery = signed(1600, delivery_id=long_id + "-first")
    assert answer(db, scope, merchant, "full", delivery).status == "accepted"
    if then == "group":
        group_alone(monkeypatch)
    other_tail = ({**delivery[0], "X-Shopify-Webhook-Id": long_id + "-second"}, delivery[1])

    again = answer(db, scope, merchant, then, other_tail)

    assert again == WebhookAnswer("duplicate", long_id + "-second", 0)
    assert counted(db, scope) == (2, 2, 2)


@pytest.mark.parametrize("first", PATHS)
@pytest.mark.parametrize("then", PATHS)
def test_an_event_applied_before_under_another_delivery_id_applies_nothing_on_either_path(
    db: Database, scope: Scope, first: str, then: str
) -> None:
    merchant = kept_shop(db, scope)
    delivery = signed(1700, 3)
    assert answer(db, scope, merchant, first, delivery).applied == 1
    late_copy = signed(1700, 3)  # the same order event, a new delivery id

    again = answer(db, scope, merchant, then, late_copy)

    assert again == WebhookAnswer("accepted", late_copy[0]["X-Shopify-Webhook-Id"], 0)
    assert counted(db, scope) == (2, 2, 3)  # the new delivery id recorded, the order not booked again
    assert booked(db, scope) == [1 + 3]
    assert answer(db, scope, merchant, first, late_copy).status == "duplicate"  # and it is now recorded


def test_the_rules_of_a_delivery() -> None:
    long_id = "x" * (webhooks.DELIVERY_ID_CHARS + 5)
    assert webhooks.repeated(long_id, {long_id[: webhooks.DELIVERY_ID_CHARS]}) == WebhookAnswer("duplicate", long_id, 0)
    assert webhooks.repeated("new", {"old"}) is None
    assert webhooks.accepted("new", 2) == WebhookAnswer("accepted", "new", 2)
    long_event = "e" * (webhooks.EVENT_ID_CHARS + 1)
    assert webhooks.applied_before(long_event, {webhooks.event_key(long_event)})
    assert not webhooks.applied_before("orders/create:1", {"orders/create:2"})
    assert webhooks.order_key("shop", "orders/create:1") == "channel:shop:orders/create:1"
