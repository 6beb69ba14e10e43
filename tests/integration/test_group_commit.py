"""Group commit: concurrent orders share a transaction, and each caller still gets its own answer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from tests import factories as f
from tests import order_factories as o
from tests.sent import statements
from tests.waits import until as _until
from truecount.adapters.db.engine import Database
from truecount.domain import commands
from truecount.domain.errors import IdempotencyConflict, InsufficientStock, NotFound
from truecount.services.common.scope import Scope
from truecount.services.orders import engine, group_commit
from truecount.services.orders.results import Order
from truecount.services.orders.views import list_orders
from truecount.services.stock import levels as stock_service
from truecount.services.stock.verify import verify


def test_orders_arriving_during_a_transaction_share_the_next_and_each_gets_its_own_answer(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    group = group_commit._group(db, scope)
    groups: list[list[str]] = []
    real = engine.book

    def gated(db_: Database, scope_: Scope, items: list[engine.Keyed], **options: Any) -> list[Any]:
        groups.append([cmd.external_id for cmd, _ in items])
        if len(groups) == 1:  # hold the first transaction open until five more orders queue behind it
            _until(lambda: len(group.pending) == 5, "five queued orders")
        return real(db_, scope_, items, **options)

    monkeypatch.setattr(engine, "book", gated)
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
    booked = [k for k, v in outcomes.items() if isinstance(v, Order)]
    refused = [k for k, v in outcomes.items() if isinstance(v, InsufficientStock)]
    assert "G0" in booked and len(booked) == 3 and len(refused) == 2, outcomes
    for external_id in booked:
        assert outcomes[external_id].external_id == external_id
        assert outcomes[external_id].lines[0].bookings[0].open == 1
    assert sorted(x.external_id for x in list_orders(db, scope)) == sorted(booked)
    assert {r.sku: (r.on_hand, r.booked) for r in stock_service.stock(db, scope)} == {"TEE": (3, 3)}
    assert verify(db, scope) == []


def test_a_caller_alone_is_answered_at_once_by_its_own_transaction(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 1, "WH1")
    result = o.order(db, scope, "SOLO", ("TEE", 1), strict=True)
    assert result.lines[0].bookings[0].open == 1
    with pytest.raises(InsufficientStock) as refused:
        o.order(db, scope, "LATE", ("TEE", 1), strict=True)
    assert refused.value.details[0]["missing"] == 1
    assert group_commit._group(db, scope).pending == [] and not group_commit._group(db, scope).leading


def test_keyed_orders_in_one_group_replay_conflict_and_release_as_they_would_alone(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 4, "WH1")  # P1, P2 and LEAD take one each: one left for P4
    first = o.order(db, scope, "P1", ("TEE", 1), key="k-used")  # keys used before the group
    o.order(db, scope, "P2", ("TEE", 1), key="k-other")
    group = group_commit._group(db, scope)
    groups: list[list[str]] = []
    real = engine.book

    def gated(db_: Database, scope_: Scope, items: list[engine.Keyed], **options: Any) -> list[Any]:
        groups.append([cmd.external_id for cmd, _ in items])
        if len(groups) == 1:
            _until(lambda: len(group.pending) == 4, "four queued orders")
        return real(db_, scope_, items, **options)

    monkeypatch.setattr(engine, "book", gated)
    calls = {  # external id → (sku, quantity, strict, key)
        "LEAD": ("TEE", 1, False, None),
        "P1": ("TEE", 1, False, "k-used"),  # the same request again: the first answer
        "P3": ("TEE", 1, False, "k-other"),  # another request under a used key: a conflict
        "BIG": ("TEE", 5, True, "k-big"),  # refused for stock: its key is given back
        "P4": ("TEE", 1, True, "k-new"),
    }
    with ThreadPoolExecutor(max_workers=5) as pool:

        def place(external_id: str) -> Future[Any]:
            sku, quantity, strict, key = calls[external_id]
            return pool.submit(o.order, db, scope, external_id, (sku, quantity), strict=strict, key=key)

        futures = {"LEAD": place("LEAD")}
        _until(lambda: len(groups) == 1, "the first transaction")
        futures.update({external_id: place(external_id) for external_id in ("P1", "P3", "BIG", "P4")})
        outcomes = {k: (v.exception() or v.result()) for k, v in futures.items()}
    assert sorted(groups[1]) == ["BIG", "P1", "P3", "P4"]
    assert outcomes["P1"].id == first.id and outcomes["P1"].replayed is True
    assert isinstance(outcomes["P3"], IdempotencyConflict) and outcomes["P3"].field == "idempotency_key"
    assert isinstance(outcomes["BIG"], InsufficientStock)
    assert outcomes["P4"].lines[0].bookings[0].open == 1
    assert sorted(x.external_id for x in list_orders(db, scope)) == ["LEAD", "P1", "P2", "P4"]
    f.receive(db, scope, "TEE", 5, "WH1")
    again = o.order(db, scope, "BIG", ("TEE", 5), strict=True, key="k-big")  # the released key works now
    assert again.lines[0].bookings[0].open == 5 and not again.replayed
    assert o.order(db, scope, "P4", ("TEE", 1), strict=True, key="k-new").replayed is True
    assert verify(db, scope) == []


def test_the_same_keyed_delivery_five_times_at_once_books_once(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 10, "WH1")
    barrier = threading.Barrier(5)

    def deliver(_: int) -> Any:
        barrier.wait()
        return o.order(db, scope, "W-1", ("TEE", 2), key="evt-1")

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(deliver, range(5)))
    assert len({a.id for a in answers}) == 1
    assert sum(1 for a in answers if not a.replayed) == 1
    assert {r.sku: (r.on_hand, r.booked) for r in stock_service.stock(db, scope)} == {"TEE": (10, 2)}
    assert verify(db, scope) == []


def test_a_leader_gathers_as_many_orders_as_the_last_group_held_before_it_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Callers answered together come back together: the next leader waits for them (up to GATHER_S)
    instead of leading a group of one while the rest queue behind it."""
    monkeypatch.setattr(group_commit, "GATHER_S", 60.0)  # a bound far away: only the arrivals end the wait
    group = group_commit._Group(last=3)
    group.pending.append(group_commit._Ticket("first"))
    gathered: list[int] = []

    def lead() -> None:
        with group.lock:
            group.gather()
            gathered.append(len(group.pending))

    leader = threading.Thread(target=lead)
    leader.start()
    for item in ("second", "third"):
        with group.lock:
            group.pending.append(group_commit._Ticket(item))
            group.arrived.notify()
    leader.join(timeout=30)
    assert gathered == [3]


def test_a_lone_caller_does_not_wait_to_gather(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(group_commit, "GATHER_S", 60.0)
    group = group_commit._Group()  # the last group held one order
    group.pending.append(group_commit._Ticket("alone"))
    started = time.monotonic()
    with group.lock:
        group.gather()
    assert time.monotonic() - started < 30 and len(group.pending) == 1


def test_many_callers_through_failing_and_passing_groups_all_get_their_own_answer(db: Database, scope: Scope) -> None:
    """No caller is left waiting and none is answered twice: groups that fail as a whole (each item
    is then run alone), items refused alone, and more callers than a group holds."""
    sizes: list[int] = []

    def run_group(items: list[Any]) -> list[Any]:
        sizes.append(len(items))
        if len(sizes) == 1:  # hold the first transaction until the other callers queue: the next holds 11 or more
            _until(lambda: len(group_commit._group(db, scope).pending) == 11, "eleven queued callers")
        if len(items) == 1:  # as the real one: a group of one is the order alone
            return [run_one(items[0])]
        if any(item % 7 == 0 for item in items):
            raise RuntimeError("one item spoils the group")
        return [{"item": item} for item in items]

    def run_one(item: Any) -> dict[str, Any]:
        if item % 7 == 0:
            raise NotFound(f"item {item}", field="item")
        return {"item": item, "alone": True}

    def caller(start: int) -> list[Any]:
        answers: list[Any] = []
        for item in range(start, start + 40):
            try:
                answers.append(group_commit.submit(db, scope, item, run_group, run_one)["item"])
            except NotFound as refused:
                answers.append(("refused", refused.field, item))
        return answers

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(caller, range(0, 12 * 1000, 1000)))
    for start, answers in zip(range(0, 12 * 1000, 1000), results, strict=True):
        expected = [item if item % 7 else ("refused", "item", item) for item in range(start, start + 40)]
        assert answers == expected
    group = group_commit._group(db, scope)
    assert group.leading == 0 and group.pending == [] and sum(sizes) >= 12 * 40 and max(sizes) >= 11


def test_a_group_of_idempotency_replays_reads_and_locks_nothing(db: Database, scope: Scope) -> None:
    """A client retrying with its keys: the group answers each from its key, with no stock read,
    no fallback and no lock on any level (found in review: it used to fall back order by order)."""
    o.shop(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    first = o.order(db, scope, "R1", ("TEE", 1), key="k-1")
    second = o.order(db, scope, "R2", ("TEE", 2), key="k-2")
    items = [(cmd, key) for cmd, key in ((_cmd("R1", 1), "k-1"), (_cmd("R2", 2), "k-2"))]
    with statements(db) as seen:
        again = engine.book(db, scope, items)
    assert [(a.id, a.replayed) for a in again if isinstance(a, Order)] == [(first.id, True), (second.id, True)]
    assert not [s for s in seen if "stock_levels" in s or "SAVEPOINT" in s.upper()]
    assert {r.sku: r.booked for r in stock_service.stock(db, scope)} == {"TEE": 3}


def _cmd(external_id: str, quantity: int) -> commands.PlaceOrder:
    return commands.PlaceOrder("web", external_id, [commands.OrderLineSpec("TEE", quantity)])
