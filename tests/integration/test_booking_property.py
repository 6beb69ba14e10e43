"""The booking engine books as the plain reference model does (tests/booking_reference.py).

Random catalogues of stock (bundles, bins, lots, inventory types, substitutes allowed on some
channels with ratios), random channels' strategies, strict and channel orders (accepting
substitutes or not), replays, barcodes and unknown names, sent as batches of any size, as
single orders (group commit) and as orders alone, one step after the other: after each step the
engine's answers equal the model's, and at the end so do the levels, and the ledger verifies.
Runs on SQLite and PostgreSQL; ``HYPOTHESIS_PROFILE=deep`` runs many more examples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests import factories as f
from tests import order_factories as o
from tests.booking_reference import Outlet, Place, Reference, comparable
from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import TruecountError
from truecount.domain.substitutes import AddSubstitute
from truecount.services.catalog.substitutes import add_substitute
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order, place_order_alone, place_orders
from truecount.services.stock import levels as stock_levels
from truecount.services.stock.verify import verify

PLACES = {
    "WH1": Place("WH1", 1),
    "WH1-A": Place("WH1-A", 1, parent="WH1"),
    "WH2": Place("WH2", 2),
    "SHOP": Place("SHOP", 0, saleable=False),
}
OUTLETS = {
    "web": Outlet("web", ("WH1", "WH2", "SHOP"), ("good",), "priority"),
    "mx": Outlet("mx", ("WH2", "WH1"), ("good",), "most_available"),
    "used": Outlet("used", ("WH2", "WH1"), ("good", "damaged"), "priority"),
}
TRACKED = {"A": True, "B": True, "C": True, "FREE": False, "KIT": True}
BUNDLES = {"KIT": [("A", 1), ("B", 2)]}
BARCODES = {"BAR-A": "A"}
# A short A ships C anywhere, else two B on web; a short B ships A on mx and used (A's own are not followed).
SUBSTITUTES: dict[str, list[tuple[str, int, tuple[str, ...] | None]]] = {
    "A": [("C", 1, None), ("B", 2, ("web",))],
    "B": [("A", 1, ("mx", "used"))],
}
NAMES = ["A", "A", "B", "B", "C", "KIT", "FREE", "BAR-A", "NOPE"]  # NOPE names nothing


def _catalogue(db: Database, scope: Scope, stock: dict[tuple[str, str, str, str], int]) -> Reference:
    for place in PLACES.values():
        kind = "warehouse" if place.saleable else "store"
        f.location(db, scope, place.code, priority=place.priority, parent=place.parent, saleable=place.saleable,
                   kind=kind)  # fmt: skip
    for sku in ("A", "B", "C"):
        f.variant(db, scope, sku, barcodes=[code for code, of in BARCODES.items() if of == sku])
    f.variant(db, scope, "FREE", tracked=False)
    f.variant(db, scope, "KIT", components=BUNDLES["KIT"])
    for outlet in OUTLETS.values():
        o.channel(db, scope, outlet.code, list(outlet.locations), allocation=outlet.strategy,
                  inventory_types=list(outlet.types))  # fmt: skip
    for sku, listed in SUBSTITUTES.items():
        for other, ratio, channels in listed:
            add_substitute(db, scope, AddSubstitute(sku, other, ratio, list(channels) if channels else None))
    model = Reference(dict(PLACES), dict(OUTLETS), dict(TRACKED), dict(BUNDLES), dict(BARCODES), dict(SUBSTITUTES),
                      created=list(PLACES))  # fmt: skip
    for (sku, at, itype, lot), quantity in sorted(stock.items()):
        if quantity:
            f.receive(db, scope, sku, quantity, at, inventory_type=itype, lot=lot or None)
            level = (sku, at, itype)
            model.on_hand[level] = model.on_hand.get(level, 0) + quantity
    return model


def _refused(error: TruecountError, cmd: PlaceOrder) -> dict[str, Any]:
    return {
        "external_id": cmd.external_id,
        "error": {"code": error.code, "field": error.field, "details": error.details},
    }


def _step(db: Database, scope: Scope, model: Reference, how: str, cmds: list[PlaceOrder]) -> None:
    if how == "batch":
        bad = next((answer for cmd in cmds if "error" in (answer := _names_checked(model, cmd))), None)
        try:
            answers = place_orders(db, scope, cmds)
        except TruecountError as error:  # bad input anywhere: the whole batch refused, nothing written
            assert bad is not None and comparable(_refused(error, cmds[0])) == bad
            return
        assert bad is None
        expected = [
            model.place(c.channel, c.external_id, [(x.sku, x.quantity) for x in c.lines], c.strict, c.substitutes)
            for c in cmds
        ]
        assert [comparable(a) for a in answers] == expected
        _note(expected)
        return
    for cmd in cmds:
        place = place_order if how == "one" else place_order_alone
        try:
            answer = place(db, scope, cmd)
        except TruecountError as error:
            answer = _refused(error, cmd)
        lines = [(x.sku, x.quantity) for x in cmd.lines]
        expected = model.place(cmd.channel, cmd.external_id, lines, cmd.strict, cmd.substitutes)
        assert comparable(answer) == expected
        _note([expected])


def _note(answers: list[dict[str, Any]]) -> None:
    """What the examples exercised (``--hypothesis-show-statistics``): a line shipping a substitute."""
    if any(line.get("substitute") for a in answers for line in a.get("lines", [])):
        event("a line shipped a substitute")


def _names_checked(model: Reference, cmd: PlaceOrder) -> dict[str, Any]:
    """The model's error for an order naming an unknown channel or SKU, else ``{}``."""
    if cmd.channel not in model.outlets:
        return {"error": "not_found", "field": "channel"}
    for i, line in enumerate(cmd.lines):
        if line.sku not in model.tracked and line.sku not in model.barcodes:
            return {"error": "not_found", "field": f"lines[{i}].sku"}
    return {}


line = st.builds(OrderLineSpec, st.sampled_from(NAMES), st.integers(1, 7))
order = st.builds(
    PlaceOrder,
    st.sampled_from(["web", "web", "mx", "used", "ghost"]),
    st.sampled_from([f"E{n}" for n in range(12)]),  # repeats: replays, and the same order twice in a batch
    st.lists(line, min_size=1, max_size=3),
    st.booleans(),
    st.sampled_from([None, None, True, False]),  # accepts substitutes: by default (strict: no), yes, no
)
step = st.tuples(st.sampled_from(["batch", "batch", "one", "alone"]), st.lists(order, min_size=1, max_size=9))
stock = st.dictionaries(
    st.tuples(st.sampled_from(["A", "B", "C", "KIT"]), st.sampled_from(list(PLACES)),
              st.sampled_from(["good", "good", "damaged"]), st.sampled_from(["", "", "L1"])),
    st.integers(0, 9),
    max_size=10,
)  # fmt: skip


@settings(
    max_examples=settings.default.max_examples,  # 100 a backend in CI; HYPOTHESIS_PROFILE=deep: 2,000
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stock=stock, steps=st.lists(step, min_size=1, max_size=4))
def test_the_engine_books_as_the_reference_model_for_any_catalogue_and_any_sequence_of_orders(
    db: Database, fresh_scope: Callable[[], Scope], stock: dict[tuple[str, str, str, str], int], steps: list[Any]
) -> None:
    scope = fresh_scope()
    model = _catalogue(db, scope, stock)
    for how, cmds in steps:
        _step(db, scope, model, how, cmds)
    levels: dict[tuple[str, str, str], tuple[int, int]] = {}
    for row in stock_levels.stock(db, scope):
        levels[(row.sku, row.location, row.inventory_type)] = (row.on_hand, row.booked)
    assert levels == model.levels()
    assert verify(db, scope) == []
