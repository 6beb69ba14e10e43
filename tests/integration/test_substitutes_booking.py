"""Substitutes at booking, on SQLite and PostgreSQL: a short line ships its substitute only where the
substitute's channels allow it and says so (on the line, in an event); strict orders refuse
substitutes unless they accept them; the whole line from one variant; ratios; fulfil, cancel and
return move the substitute; concurrent orders never oversell it; verify stays clean."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest
from sqlalchemy import select

from tests import factories as f
from tests import order_factories as o
from tests.integration.test_orders_concurrency import CLIENTS, run_together, totals
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import events
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import InsufficientStock
from truecount.domain.substitutes import AddSubstitute
from truecount.services.catalog.substitutes import add_substitute
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order, place_orders
from truecount.services.orders.results import Order
from truecount.services.stock.verify import verify


def shop(db: Database, scope: Scope) -> None:
    """web (WH1, WH2) and pos (WH1); TEE with 1 at WH1, TEE-NAVY 10 at WH1, TEE-2PK 4 at WH2."""
    o.shop(db, scope, "TEE", "TEE-NAVY", "TEE-2PK")
    o.channel(db, scope, "pos", ["WH1"])
    f.receive(db, scope, "TEE", 1, "WH1")
    f.receive(db, scope, "TEE-NAVY", 10, "WH1")
    f.receive(db, scope, "TEE-2PK", 4, "WH2")


def plain(answer: Any) -> Any:
    """An order answer as plain data (dicts), anything else as it is."""
    return asdict(answer) if isinstance(answer, Order) else answer


def order(db: Database, scope: Scope, external_id: str, *lines: tuple[str, int], **kwargs: Any) -> dict[str, Any]:
    return plain(o.order(db, scope, external_id, *lines, **kwargs))


def change(db: Database, scope: Scope, act: str, order_id: int, *lines: tuple[Any, ...]) -> dict[str, Any]:
    return plain(o.change(db, scope, act, order_id, *lines))


def booked_at(answer: dict[str, Any]) -> list[tuple[str, int]]:
    return [(b["location"], b["open"]) for b in answer["lines"][0]["bookings"] if b["open"]]


def substitute(db: Database, scope: Scope, sku: str, other: str, **kwargs: Any) -> None:
    add_substitute(db, scope, AddSubstitute(sku, other, **kwargs))


def substituted_events(db: Database, scope: Scope) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(
            select(events.c.payload)
            .where(events.c.merchant_id == scope.merchant_id, events.c.topic == "order_line_substituted")
            .order_by(events.c.id)
        ).scalars()
        return [json.loads(p) for p in rows]


def test_a_short_line_ships_its_substitute_only_on_the_channels_that_allow_it_and_says_so(
    db: Database, scope: Scope
) -> None:
    shop(db, scope)
    substitute(db, scope, "TEE", "TEE-NAVY", channels=["web"], notify=True)
    on_web = order(db, scope, "w-1", ("TEE", 3))
    line = on_web["lines"][0]
    assert line["sku"] == "TEE" and line["quantity"] == 3
    assert booked_at(on_web) == [("WH1", 3)] and line["bookings"][0]["sku"] == "TEE-NAVY"
    assert line["backorder"]["open"] == 0
    assert line["substitute"] == {
        "sku": "TEE-NAVY", "quantity": 3, "ratio": 1, "notify": True,
        "why": "TEE had 1 free of 3 on web: substitute 1 TEE-NAVY covers the line",
    }  # fmt: skip
    [event] = substituted_events(db, scope)
    assert event == {
        "order_id": on_web["id"], "channel": "web", "external_id": "w-1", "line": 1, "ordered_sku": "TEE",
        "ordered_quantity": 3, "shipped_sku": "TEE-NAVY", "shipped_quantity": 3, "ratio": 1,
        "why": line["substitute"]["why"], "notify": True,
    }  # fmt: skip
    on_pos = order(db, scope, "p-1", ("TEE", 3), channel="pos")
    assert on_pos["lines"][0]["substitute"] is None
    assert booked_at(on_pos) == [("WH1", 1)] and on_pos["lines"][0]["backorder"]["open"] == 2
    assert totals(db, scope, "TEE-NAVY") == (10, 3)
    assert len(substituted_events(db, scope)) == 1
    assert verify(db, scope) == []


def test_a_line_its_variant_covers_ships_the_variant_and_a_line_is_never_part_substitute(
    db: Database, scope: Scope
) -> None:
    shop(db, scope)
    f.receive(db, scope, "TEE", 1, "WH2")  # 2 TEE in all: across WH1 and WH2
    substitute(db, scope, "TEE", "TEE-NAVY")
    covered = order(db, scope, "c-1", ("TEE", 2))
    assert covered["lines"][0]["substitute"] is None and sorted(booked_at(covered)) == [("WH1", 1), ("WH2", 1)]
    whole = order(db, scope, "c-2", ("TEE", 4))  # TEE has none left: all four from the substitute
    assert whole["lines"][0]["substitute"]["sku"] == "TEE-NAVY"
    assert [(b["sku"], b["quantity"]) for b in whole["lines"][0]["bookings"]] == [("TEE-NAVY", 4)]


def test_substitutes_are_tried_in_list_order_and_a_ratio_ships_that_many_per_unit(db: Database, scope: Scope) -> None:
    shop(db, scope)
    substitute(db, scope, "TEE", "TEE-2PK", ratio=2)  # 4 two-packs cover two tees
    substitute(db, scope, "TEE", "TEE-NAVY")
    first = order(db, scope, "r-1", ("TEE", 2))
    swap = first["lines"][0]["substitute"]
    assert (swap["sku"], swap["quantity"], swap["ratio"]) == ("TEE-2PK", 4, 2)
    assert booked_at(first) == [("WH2", 4)]
    second = order(db, scope, "r-2", ("TEE", 3))  # two-packs gone: the next on the list
    assert second["lines"][0]["substitute"]["sku"] == "TEE-NAVY"
    shipped = change(db, scope, "fulfil", first["id"])
    assert shipped["lines"][0]["fulfilled"] == 2 and shipped["status"] == "fulfilled"
    assert totals(db, scope, "TEE-2PK") == (0, 0)
    returned = change(db, scope, "return", first["id"], ("TEE", 1))
    assert returned["lines"][0]["returned"] == 1 and totals(db, scope, "TEE-2PK") == (2, 0)
    cancelled = change(db, scope, "cancel", second["id"], ("TEE", 1))
    assert cancelled["lines"][0]["cancelled"] == 1 and totals(db, scope, "TEE-NAVY") == (10, 2)
    assert verify(db, scope) == []


def test_a_strict_order_refuses_substitutes_unless_it_accepts_them(db: Database, scope: Scope) -> None:
    shop(db, scope)
    substitute(db, scope, "TEE", "TEE-NAVY")
    with pytest.raises(InsufficientStock) as refused:
        order(db, scope, "s-1", ("TEE", 2), strict=True)
    assert refused.value.details == [{"line": 1, "sku": "TEE", "requested": 2, "available": 1, "missing": 1}]
    assert totals(db, scope, "TEE-NAVY") == (10, 0) and substituted_events(db, scope) == []
    accepted = plain(
        place_order(db, scope, PlaceOrder("web", "s-2", [OrderLineSpec("TEE", 2)], True, substitutes=True))
    )
    assert accepted["strict"] and accepted["lines"][0]["substitute"]["sku"] == "TEE-NAVY"
    declined = plain(place_order(db, scope, PlaceOrder("web", "s-3", [OrderLineSpec("TEE", 2)], substitutes=False)))
    assert declined["lines"][0]["substitute"] is None and declined["lines"][0]["backorder"]["open"] == 1
    assert verify(db, scope) == []


def test_a_batch_hands_the_substitute_out_in_batch_order(db: Database, scope: Scope) -> None:
    shop(db, scope)
    substitute(db, scope, "TEE", "TEE-2PK", ratio=2)
    cmds = [PlaceOrder("web", f"b-{i}", [OrderLineSpec("TEE", 2)]) for i in range(3)]
    answers = [plain(a) for a in place_orders(db, scope, cmds)]
    assert [a["lines"][0]["substitute"] and a["lines"][0]["substitute"]["sku"] for a in answers] == [
        "TEE-2PK", None, None
    ]  # fmt: skip
    assert [a["lines"][0]["backorder"]["open"] for a in answers] == [0, 1, 2]  # the second took TEE's one
    assert totals(db, scope, "TEE-2PK") == (4, 4)
    assert verify(db, scope) == []


def test_concurrent_orders_never_oversell_the_substitute(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "TEE-NAVY")
    f.receive(db, scope, "TEE-NAVY", 5, "WH1")
    substitute(db, scope, "TEE", "TEE-NAVY")
    results = run_together(CLIENTS, lambda i: order(db, scope, f"hot-{i}", ("TEE", 1), strict=i % 2 == 0,
                                                      key=f"k-{i}"))  # fmt: skip
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)], results
    swapped = [r for r in results if isinstance(r, dict) and r["lines"][0]["substitute"]]
    assert len(swapped) == 5 and totals(db, scope, "TEE-NAVY") == (5, 5)
    assert all(r["strict"] is False for r in swapped)  # strict orders never took a substitute
    owed = [r for r in results if isinstance(r, dict) and not r["lines"][0]["substitute"]]
    assert all(r["lines"][0]["backorder"]["open"] == 1 for r in owed)
    assert len(substituted_events(db, scope)) == 5
    assert verify(db, scope) == []
