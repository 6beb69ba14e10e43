"""The fulfilment outbox on SQLite and PostgreSQL: queued in the caller's transaction, idempotent on the
key, refused with the field named, read back by the status functions."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests import factories as f
from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.domain.errors import IdempotencyConflict, InvalidInput
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.sync.fulfilments import fulfilment, fulfilment_counts, fulfilments, queue_fulfilment

ITEM = FulfilmentItem(
    order_ref="1001",
    key="shipment-1:1001",
    carrier="UPS",
    tracking="1Z999AA10123456784",
    lines=(FulfilmentLine("MUG", 2, ref="gid://shopify/LineItem/1"), FulfilmentLine("CAP", 1)),
    complete=False,
    tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
)


@pytest.fixture
def channel_id(db: Database, scope: Scope) -> int:
    f.location(db, scope, "WH1")
    return create_channel(db, scope, CreateChannel("shop", "shopify", ["WH1"])).id


def test_a_queued_fulfilment_reads_back_as_queued_with_everything_it_carries(
    db: Database, scope: Scope, channel_id: int
) -> None:
    with db.write() as conn:
        queue_fulfilment(conn, scope.merchant_id, channel_id, ITEM)
    with db.read() as conn:
        found = fulfilment(conn, scope.merchant_id, ITEM.key)
        counts = fulfilment_counts(conn, scope.merchant_id)
    assert found is not None
    assert found.as_item() == ITEM
    assert (found.state, found.channel_id, found.attempts, found.last_error) == ("queued", channel_id, 0, None)
    assert counts[channel_id].queued == 1
    assert (counts[channel_id].failing, counts[channel_id].refused, counts[channel_id].pushed) == (0, 0, 0)
    assert counts[channel_id].oldest_queued_at == found.queued_at


def test_queuing_the_same_key_again_adds_nothing(db: Database, scope: Scope, channel_id: int) -> None:
    for _ in range(3):
        with db.write() as conn:
            queue_fulfilment(conn, scope.merchant_id, channel_id, ITEM)
    with db.write() as conn:  # the same shipment, now known to complete the order: still the same push
        queue_fulfilment(conn, scope.merchant_id, channel_id, replace(ITEM, complete=True))
    with db.read() as conn:
        rows = fulfilments(conn, scope.merchant_id)
    assert [(r.key, r.complete) for r in rows] == [(ITEM.key, False)]


def test_the_same_key_with_another_tracking_number_is_a_conflict_and_changes_nothing(
    db: Database, scope: Scope, channel_id: int
) -> None:
    with db.write() as conn:
        queue_fulfilment(conn, scope.merchant_id, channel_id, ITEM)
    with pytest.raises(IdempotencyConflict) as refused, db.write() as conn:
        queue_fulfilment(conn, scope.merchant_id, channel_id, replace(ITEM, tracking="OTHER"))
    assert refused.value.field == "key"
    with db.read() as conn:
        found = fulfilment(conn, scope.merchant_id, ITEM.key)
    assert found is not None and found.tracking == ITEM.tracking


def test_a_rolled_back_transaction_queues_nothing(db: Database, scope: Scope, channel_id: int) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.write() as conn:
        queue_fulfilment(conn, scope.merchant_id, channel_id, ITEM)
        raise Boom
    with db.read() as conn:
        assert fulfilments(conn, scope.merchant_id) == []
        assert fulfilment_counts(conn, scope.merchant_id) == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"carrier": " "}, "carrier"),
        ({"tracking": ""}, "tracking"),
        ({"order_ref": ""}, "order_ref"),
        ({"key": ""}, "key"),
        ({"tracking": "x" * 101}, "tracking"),
        ({"tracking_url": "ftp://example.com/t"}, "tracking_url"),
        ({"lines": ()}, "lines"),
        ({"lines": (FulfilmentLine("MUG", 0),)}, "lines[0].quantity"),
        ({"lines": (FulfilmentLine("MUG", 1), FulfilmentLine("", 1))}, "lines[1].sku"),
    ],
)
def test_a_fulfilment_no_channel_could_take_is_refused_naming_the_field(
    db: Database, scope: Scope, channel_id: int, change: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused, db.write() as conn:
        queue_fulfilment(conn, scope.merchant_id, channel_id, replace(ITEM, **change))  # type: ignore[arg-type]
    assert refused.value.field == field
    with db.read() as conn:
        assert fulfilments(conn, scope.merchant_id) == []


def test_fulfilments_are_listed_per_channel_order_and_state(db: Database, scope: Scope, channel_id: int) -> None:
    other = create_channel(db, scope, CreateChannel("market", "ebay", ["WH1"])).id
    with db.write() as conn:
        queue_fulfilment(conn, scope.merchant_id, channel_id, ITEM)
        queue_fulfilment(conn, scope.merchant_id, other, replace(ITEM, key="s2", order_ref="22-0001"))
    with db.read() as conn:
        assert [r.key for r in fulfilments(conn, scope.merchant_id, channel_id=other)] == ["s2"]
        assert [r.key for r in fulfilments(conn, scope.merchant_id, order_ref="1001")] == [ITEM.key]
        assert fulfilments(conn, scope.merchant_id, state="pushed") == []
        counts = fulfilment_counts(conn, scope.merchant_id)
    assert {cid: c.queued for cid, c in counts.items()} == {channel_id: 1, other: 1}
