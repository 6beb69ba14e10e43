"""Claims on the fulfilment outbox, on SQLite and PostgreSQL: a claimed row is invisible to other workers until
its lease ends, a pushed or refused row is never claimed again, a transient failure backs the row off, a
channel-wide failure puts the claims back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import factories as f
from truecount.adapters.channels.base import FulfilmentItem, FulfilmentLine, FulfilmentResult
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope, clock_at, utcnow
from truecount.services.sync import fulfilment_push as push
from truecount.services.sync.fulfilments import fulfilment, queue_fulfilment


@pytest.fixture
def channel_id(db: Database, scope: Scope) -> int:
    f.location(db, scope, "WH1")
    cid = create_channel(db, scope, CreateChannel("ebay", "ebay", ["WH1"])).id
    with clock_at(utcnow() - timedelta(hours=3)), db.write() as conn:  # queued a while ago
        for n in range(3):
            item = FulfilmentItem(f"12-0000{n}", f"k{n}", "UPS", f"1Z{n}", (FulfilmentLine("MUG", 1),), True)
            queue_fulfilment(conn, scope.merchant_id, cid, item)
    return cid


def claim(db: Database, scope: Scope, channel_id: int, worker: str, limit: int = 10) -> list[str]:
    return [c.key for c in push.claim(db, scope.merchant_id, channel_id, worker, limit=limit, lease_s=30)]


def test_two_workers_never_claim_the_same_fulfilment(db: Database, scope: Scope, channel_id: int) -> None:
    first = claim(db, scope, channel_id, "w1", limit=2)
    second = claim(db, scope, channel_id, "w2")
    assert first == ["k0", "k1"] and second == ["k2"]
    assert claim(db, scope, channel_id, "w3") == []


def test_pushed_and_refused_fulfilments_are_never_claimed_again(db: Database, scope: Scope, channel_id: int) -> None:
    with clock_at(utcnow() - timedelta(hours=2)):
        claim(db, scope, channel_id, "w1")
        results = [
            FulfilmentResult("k0", True),
            FulfilmentResult("k1", False, "32100 Invalid order ID", retryable=False),
        ]
        assert push.complete(db, scope.merchant_id, channel_id, "w1", results) == 1
    assert claim(db, scope, channel_id, "w2") == ["k2"]  # two hours on: k2's lease ran out, k0 and k1 are done
    with db.read() as conn:
        pushed, refused = fulfilment(conn, scope.merchant_id, "k0"), fulfilment(conn, scope.merchant_id, "k1")
    assert pushed is not None and (pushed.state, pushed.last_error) == ("pushed", None)
    assert refused is not None and (refused.state, refused.last_error) == ("refused", "32100 Invalid order ID")


def test_a_transient_failure_backs_the_fulfilment_off_and_keeps_its_error(
    db: Database, scope: Scope, channel_id: int
) -> None:
    with clock_at(utcnow() - timedelta(minutes=10)):
        claim(db, scope, channel_id, "w1")
        failed = [FulfilmentResult("k0", False, "HTTP 500", retryable=True)]
        push.complete(db, scope.merchant_id, channel_id, "w1", failed)
        assert claim(db, scope, channel_id, "w2") == []  # k0 backed off; k1 and k2 are still w1's
    with db.read() as conn:
        row = fulfilment(conn, scope.merchant_id, "k0")
    assert row is not None and (row.state, row.attempts, row.last_error, row.failing) == ("queued", 1, "HTTP 500", True)
    assert claim(db, scope, channel_id, "w3") == ["k0", "k1", "k2"]  # ten minutes on: past the backoff and leases


def test_a_channel_wide_failure_puts_every_claim_back(db: Database, scope: Scope, channel_id: int) -> None:
    claims = push.claim(db, scope.merchant_id, channel_id, "w1", limit=10, lease_s=30)
    push.release(db, scope.merchant_id, "w1", claims, "stopping", backoff=False)
    assert claim(db, scope, channel_id, "w2") == ["k0", "k1", "k2"]  # due at once, no attempt counted
    with db.read() as conn:
        row = fulfilment(conn, scope.merchant_id, "k0")
    assert row is not None and (row.attempts, row.last_error) == (0, None)
