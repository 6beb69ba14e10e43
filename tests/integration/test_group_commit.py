"""Group commit: concurrent orders share a transaction, and each caller still gets its own answer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.errors import InsufficientStock, NotFound
from truecount.services import group_commit, orders
from truecount.services import stock as stock_service
from truecount.services.order_views import list_orders
from truecount.services.scope import Scope
from truecount.services.verify import verify


def _until(condition: Any, what: str) -> None:
    """Wait for ``condition()`` with a deadline (a condition, not a guess at how long)."""
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.002)


def test_orders_arriving_during_a_transaction_share_the_next_and_each_gets_its_own_answer(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    group = group_commit._group(db, scope)
    groups: list[list[str]] = []
    real = orders._book_group

    def gated(db_: Database, scope_: Scope, cmds: list[orders.PlaceOrder]) -> list[Any]:
        groups.append([cmd.external_id for cmd in cmds])
        if len(groups) == 1:  # hold the first transaction open until five more orders queue behind it
            _until(lambda: len(group.pending) == 5, "five queued orders")
        return real(db_, scope_, cmds)

    monkeypatch.setattr(orders, "_book_group", gated)
    wanted = {"G0": "TEE", "G1": "TEE", "G2": "TEE", "G3": "TEE", "BAD": "NOPE", "G4": "TEE"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures: dict[str, Future[Any]] = {}

        def place(external_id: str) -> Future[Any]:
            return pool.submit(o.order, db, scope, external_id, (wanted[external_id], 1), strict=True)

        futures["G0"] = place("G0")
        _until(lambda: len(groups) == 1, "the first transaction")
        for external_id in ("G1", "G2", "G3", "BAD", "G4"):
            futures[external_id] = place(external_id)
        outcomes: dict[str, Any] = {}
        for external_id, future in futures.items():
            error = future.exception()
            outcomes[external_id] = error if error is not None else future.result()
    assert groups[0] == ["G0"] and sorted(groups[1]) == ["BAD", "G1", "G2", "G3", "G4"]
    assert isinstance(outcomes["BAD"], NotFound) and outcomes["BAD"].field == "lines[0].sku"
    booked = [k for k, v in outcomes.items() if isinstance(v, dict)]
    refused = [k for k, v in outcomes.items() if isinstance(v, InsufficientStock)]
    assert "G0" in booked and len(booked) == 3 and len(refused) == 2, outcomes
    for external_id in booked:
        assert outcomes[external_id]["external_id"] == external_id
        assert outcomes[external_id]["lines"][0]["bookings"][0]["open"] == 1
    assert sorted(x["external_id"] for x in list_orders(db, scope)) == sorted(booked)
    assert {r["sku"]: (r["on_hand"], r["booked"]) for r in stock_service.stock(db, scope)} == {"TEE": (3, 3)}
    assert verify(db, scope) == []


def test_a_caller_alone_is_answered_at_once_by_its_own_transaction(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 1, "WH1")
    done = threading.Event()
    result = o.order(db, scope, "SOLO", ("TEE", 1), strict=True)
    done.set()
    assert result["lines"][0]["bookings"][0]["open"] == 1
    with pytest.raises(InsufficientStock) as refused:
        o.order(db, scope, "LATE", ("TEE", 1), strict=True)
    assert refused.value.details[0]["missing"] == 1
    assert group_commit._group(db, scope).pending == [] and not group_commit._group(db, scope).leading
