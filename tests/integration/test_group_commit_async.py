"""Group commit for callers on an event loop (the API): concurrent orders awaited on one loop share a
transaction booked in a worker thread, and each caller still gets its own answer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests import factories as f
from tests import order_factories as o
from tests.waits import until
from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import InsufficientStock, NotFound
from truecount.services.common.scope import Scope
from truecount.services.orders import engine, group_commit
from truecount.services.orders.place import place_order_async
from truecount.services.orders.results import Order
from truecount.services.orders.views import list_orders
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def waiting(db: Database, scope: Scope) -> int:
    """Orders of the merchant waiting for a shared transaction (any caller's, on any loop)."""
    groups = [
        g
        for per_loop in group_commit._loop_groups.values()
        for key, g in per_loop.items()
        if key[:2] == (db, scope.merchant_id)
    ]
    return sum(len(group.pending) for group in groups)


def recording(monkeypatch: pytest.MonkeyPatch, hold_first_until: Any = None) -> list[list[str]]:
    """The external ids of every transaction ``engine.book`` runs (the real one runs each)."""
    groups: list[list[str]] = []
    real = engine.book

    def book(db_: Database, scope_: Scope, items: list[engine.Keyed], **options: Any) -> list[Any]:
        groups.append(sorted(cmd.external_id for cmd, _ in items))
        if len(groups) == 1 and hold_first_until is not None:
            until(hold_first_until, "orders queued behind the first transaction")
        return real(db_, scope_, items, **options)

    monkeypatch.setattr(engine, "book", book)
    return groups


def strict(external_id: str, sku: str = "TEE") -> PlaceOrder:
    return PlaceOrder("web", external_id, [OrderLineSpec(sku, 1)], strict=True)


async def outcomes(db: Database, scope: Scope, cmds: list[PlaceOrder]) -> dict[str, Any]:
    answers = await asyncio.gather(*(place_order_async(db, scope, cmd) for cmd in cmds), return_exceptions=True)
    return {cmd.external_id: answer for cmd, answer in zip(cmds, answers, strict=True)}


def test_orders_awaited_together_share_one_transaction_and_each_gets_the_answer_it_would_get_alone(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    groups = recording(monkeypatch)
    cmds = [strict("A0"), strict("A1"), strict("BAD", "NOPE"), strict("A2"), strict("A3")]
    got = asyncio.run(outcomes(db, scope, cmds))
    assert groups[0] == ["A0", "A1", "A2", "A3", "BAD"]
    assert isinstance(got["BAD"], NotFound) and got["BAD"].field == "lines[0].sku"
    booked = sorted(k for k, v in got.items() if isinstance(v, Order))
    assert len(booked) == 3 and sum(isinstance(v, InsufficientStock) for v in got.values()) == 1, got
    assert all(got[k].external_id == k and got[k].lines[0].bookings[0].open == 1 for k in booked)
    assert sorted(x.external_id for x in list_orders(db, scope)) == booked
    assert {r.sku: (r.on_hand, r.booked) for r in stock_service.stock(db, scope)} == {"TEE": (3, 3)}
    assert verify(db, scope) == []


def test_orders_arriving_while_a_transaction_runs_share_the_next_one(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 9, "WH1")
    groups = recording(monkeypatch, hold_first_until=lambda: waiting(db, scope) == 4)

    async def arrive() -> dict[str, Any]:
        first = asyncio.ensure_future(place_order_async(db, scope, strict("FIRST")))
        while not groups:  # the first transaction has started in its worker thread
            await asyncio.sleep(0.001)
        later = await outcomes(db, scope, [strict(f"B{i}") for i in range(4)])
        return {"FIRST": await first, **later}

    got = asyncio.run(arrive())
    assert groups == [["FIRST"], ["B0", "B1", "B2", "B3"]]
    assert all(isinstance(answer, Order) and answer.external_id == k for k, answer in got.items())
    assert {r.sku: r.booked for r in stock_service.stock(db, scope)} == {"TEE": 5}


def test_callers_answered_by_one_transaction_join_those_that_arrived_during_it_in_the_next(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Callers that send their next order as soon as they are answered (clients over HTTP) are not split
    in two halves booked in turns: the second transaction waits for the four callers the first answered
    and books them with the four orders that arrived while it ran."""
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 20, "WH1")
    groups = recording(monkeypatch, hold_first_until=lambda: waiting(db, scope) == 4)

    async def again(name: str) -> list[Order]:
        return [await place_order_async(db, scope, strict(f"{name}-{n}")) for n in (1, 2)]

    async def arrive() -> list[Any]:
        first = [asyncio.ensure_future(again(f"A{i}")) for i in range(4)]
        while not groups:  # the first transaction has started in its worker thread
            await asyncio.sleep(0.001)
        during = [asyncio.ensure_future(place_order_async(db, scope, strict(f"B{i}"))) for i in range(4)]
        return list(await asyncio.gather(*first, *during))

    answers = asyncio.run(arrive())
    assert groups == [
        ["A0-1", "A1-1", "A2-1", "A3-1"],
        ["A0-2", "A1-2", "A2-2", "A3-2", "B0", "B1", "B2", "B3"],
    ]
    booked = [o for answer in answers for o in (answer if isinstance(answer, list) else [answer])]
    assert sorted(o.external_id for o in booked) == sorted(x for g in groups for x in g)
    assert {r.sku: r.booked for r in stock_service.stock(db, scope)} == {"TEE": 12}


def test_the_gathering_counts_the_last_group_and_those_that_arrived_during_it_up_to_the_limit() -> None:
    assert group_commit.wanted(1, 0) == 1  # a lone caller books at once
    assert group_commit.wanted(8, 8) == 16
    assert group_commit.wanted(group_commit.LIMIT, 5) == group_commit.LIMIT


def test_many_callers_through_failing_and_passing_groups_all_get_their_own_answer(db: Database, scope: Scope) -> None:
    """No caller is left waiting and none is answered twice: groups that fail as a whole (each item is
    then run alone), items refused alone, and more callers than a group holds."""
    sizes: list[int] = []

    def run_group(items: list[int]) -> list[Any]:
        sizes.append(len(items))
        if len(items) == 1:  # as the real one: a group of one is the order alone
            return [run_one(items[0])]
        if any(item % 7 == 0 for item in items):
            raise RuntimeError("one item spoils the group")
        return [{"item": item} for item in items]

    def run_one(item: int) -> dict[str, Any]:
        if item % 7 == 0:
            raise NotFound(f"item {item}", field="item")
        return {"item": item, "alone": True}

    async def caller(start: int) -> list[Any]:
        answers: list[Any] = []
        for item in range(start, start + 40):
            try:
                answers.append((await group_commit.submit_async(db, scope, item, run_group, run_one))["item"])
            except NotFound as refused:
                answers.append(("refused", refused.field, item))
        return answers

    async def everyone() -> list[list[Any]]:
        return list(await asyncio.gather(*(caller(start) for start in range(0, 300 * 1000, 1000))))

    results = asyncio.run(everyone())
    for start, answers in zip(range(0, 300 * 1000, 1000), results, strict=True):
        assert answers == [item if item % 7 else ("refused", "item", item) for item in range(start, start + 40)]
    assert sum(sizes) >= 300 * 40 and max(sizes) == group_commit.LIMIT  # 300 callers: groups fill to the limit
    assert waiting(db, scope) == 0
