"""Each variant's kept available figure (``variant_available``, kept by triggers on the levels) and each
place's ``feeds`` flag stay what the levels and the rule say, whoever writes (both backends); verify
names any drift. The writers (movements, transfers, counts, imports, booking, assembly…) are each
checked by their own tests, which end with verify; here: drift is named, and concurrent writers
with a place changing whether it feeds leave nothing to name."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select, update

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.ledger import variant_available
from truecount.domain.commands import EditLocation, OrderLineSpec, PlaceOrder
from truecount.domain.errors import InsufficientStock
from truecount.services.catalog.places import edit_location
from truecount.services.common.available import AvailableDrift, available_drift
from truecount.services.common.lookups import location_id, variant_id
from truecount.services.common.scope import Scope
from truecount.services.orders.place import place_order
from truecount.services.stock.verify import verify


def figures(db: Database, scope: Scope) -> dict[str, int | None]:
    a, v = variant_available.c, variants.c
    with db.read() as conn:
        return {
            str(sku): None if figure is None else int(figure)
            for sku, figure in conn.execute(
                select(v.sku, a.available)
                .join(variant_available, a.variant_id == v.id)
                .where(v.merchant_id == scope.merchant_id)
            )
        }


def test_the_figure_is_the_sum_at_feeding_places_in_sellable_types_and_follows_the_places(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "QC", saleable=False)
    f.location(db, scope, "QC-1", parent="QC")  # saleable itself, under a place that is not
    f.variant(db, scope, "TEE")
    f.variant(db, scope, "NEW")
    for at, units in (("WH1", 4), ("WH1-A", 3), ("QC", 20), ("QC-1", 50)):
        f.receive(db, scope, "TEE", units, at)
    f.receive(db, scope, "TEE", 9, "WH1", inventory_type="damaged")
    assert figures(db, scope) == {"TEE": 7, "NEW": 0}
    edit_location(db, scope, EditLocation("QC", saleable=True))  # QC and its bin now feed
    assert figures(db, scope)["TEE"] == 77
    edit_location(db, scope, EditLocation("WH1-A", parent="QC", saleable=False))
    assert figures(db, scope)["TEE"] == 74
    edit_location(db, scope, EditLocation("QC", saleable=False))
    assert figures(db, scope)["TEE"] == 4
    assert verify(db, scope) == []


def test_verify_names_a_figure_and_a_flag_that_drifted(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1")
    f.location(db, scope, "QC", saleable=False)
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 5, "WH1")
    m = scope.merchant_id
    with db.write() as conn:  # behind the service layer's back
        tee, qc = variant_id(conn, m, "TEE"), location_id(conn, m, "QC")
        conn.execute(update(variant_available).where(variant_available.c.variant_id == tee).values(available=9))
        conn.execute(update(locations).where(locations.c.id == qc).values(feeds=True))
    problems = verify(db, scope)
    assert problems == [AvailableDrift("feeds", "QC", 0, 1), AvailableDrift("available", "TEE", 5, 9)]
    assert [str(p) for p in problems] == [
        "location QC: feeds stored True, the rule says False",
        "TEE: available figure stored 9, its levels sum to 5",
    ]


def test_concurrent_bookings_and_receipts_while_a_place_stops_and_starts_feeding_leave_every_figure_exact(
    db: Database, scope: Scope
) -> None:
    skus = ["A", "B", "C", "D"]
    o.shop(db, scope, *skus)  # WH1 and WH2, channel "web" fed from both
    for sku in skus:
        f.receive(db, scope, sku, 40, "WH1")
        f.receive(db, scope, sku, 40, "WH2")
    clients, rounds = 8, 6
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def client(i: int) -> None:
        barrier.wait()
        try:
            for r in range(rounds):
                lines = [OrderLineSpec(skus[(i + k + r) % 4], 1 + k) for k in range(2)]
                with contextlib.suppress(InsufficientStock):  # a strict order may find too little
                    place_order(db, scope, PlaceOrder("web", f"c{i}-{r}", lines))
                f.receive(db, scope, skus[(i + r) % 4], 2, ("WH1", "WH2")[(i + r) % 2])
        except BaseException as error:  # collected and asserted on below
            errors.append(error)

    def flipper() -> None:
        barrier.wait()
        try:
            for r in range(rounds):
                edit_location(db, scope, EditLocation("WH2", saleable=r % 2 == 1))
        except BaseException as error:
            errors.append(error)

    with ThreadPoolExecutor(max_workers=clients + 1) as pool:
        done = [pool.submit(client, i) for i in range(clients)] + [pool.submit(flipper)]
        for future in done:
            future.result()
    assert errors == []
    with db.read() as conn:
        assert available_drift(conn, scope.merchant_id) == []
    assert verify(db, scope) == []
