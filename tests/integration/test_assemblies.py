"""Kits on SQLite and PostgreSQL: raw materials not for sale, bills of materials, work orders
(release books, complete consumes first-expiry-first-out and produces, cancel releases), and what
channels are offered for kits sold virtually, ahead or both."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from tests import factories as f
from tests import offer_factories as of
from tests import order_factories as ofx
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.assembly import work_order_holds
from truecount.adapters.db.tables.assembly import work_orders as work_orders_table
from truecount.adapters.db.tables.catalog import lots, variants
from truecount.adapters.db.tables.ledger import movements
from truecount.domain.assembly import Complete, CreateWorkOrder, Part, SetBill
from truecount.domain.commands import EditVariant
from truecount.domain.errors import Conflict, InsufficientStock, InvalidInput, NotFound
from truecount.services.assembly import bills, completion, work_orders
from truecount.services.catalog import products
from truecount.services.common.scope import Scope
from truecount.services.offers import listings
from truecount.services.stock.levels import stock
from truecount.services.stock.verify import verify


@pytest.fixture
def kits(db: Database, scope: Scope) -> Scope:
    """WH (feeds channel ``web``) and WORKSHOP (not for sale); BOX and CARD as raw materials, KIT
    (2 BOX + 1 CARD) built ahead, listed on ``web``."""
    f.location(db, scope, "WH")
    f.location(db, scope, "WORKSHOP", saleable=False)
    for sku in ("BOX", "CARD", "KIT"):
        f.variant(db, scope, sku)
    of.channel(db, scope, "web", ["WH", "WORKSHOP"])
    bills.set_bill(db, scope, SetBill("KIT", [Part("BOX", 2), Part("CARD", 1)], "ahead"))
    of.listing(db, scope, "web", "KIT")
    return scope


def level(db: Database, scope: Scope, sku: str, at: str) -> tuple[int, int]:
    """(on hand, booked) of ``sku`` at ``at`` in good stock."""
    found = [r for r in stock(db, scope, sku) if r.location == at and r.inventory_type == "good"]
    return (found[0].on_hand, found[0].booked) if found else (0, 0)


def offered(db: Database, scope: Scope, sku: str, channel: str = "web") -> int:
    return of.stored(db, scope)[(channel, sku)]


def make(db: Database, scope: Scope, quantity: int, at: str = "WORKSHOP", sku: str = "KIT") -> int:
    return int(work_orders.create_work_order(db, scope, CreateWorkOrder(sku, quantity, at)).id)


def complete(db: Database, scope: Scope, wo: int, quantity: int, **kwargs: Any) -> dict[str, Any]:
    return completion.complete_work_order(db, scope, Complete(wo, quantity, **kwargs))


# Raw materials not for sale


def test_a_raw_material_is_counted_and_booked_but_offered_nothing_and_cannot_be_listed(
    db: Database, kits: Scope
) -> None:
    f.receive(db, kits, "BOX", 30, "WH")
    of.listing(db, kits, "web", "BOX")
    assert offered(db, kits, "BOX") == 30
    products.edit_variant(db, kits, EditVariant("BOX", for_sale=False))
    assert offered(db, kits, "BOX") == 0  # the listing made before follows at once
    f.receive(db, kits, "BOX", 5, "WH")
    assert offered(db, kits, "BOX") == 0
    assert level(db, kits, "BOX", "WH") == (35, 0)
    products.edit_variant(db, kits, EditVariant("CARD", for_sale=False))
    with pytest.raises(InvalidInput) as refused:
        listings.add_listing(db, kits, "web", "CARD", "web:CARD")
    assert refused.value.field == "sku" and "not for sale" in refused.value.message
    products.edit_variant(db, kits, EditVariant("BOX", for_sale=True))
    assert offered(db, kits, "BOX") == 35
    assert verify(db, kits) == []


def test_a_bundle_of_raw_materials_is_still_offered_what_they_make(db: Database, kits: Scope) -> None:
    f.variant(db, kits, "PACK")
    bills.set_bill(db, kits, SetBill("PACK", [Part("BOX", 5)], "virtual"))
    products.edit_variant(db, kits, EditVariant("BOX", for_sale=False))
    f.receive(db, kits, "BOX", 12, "WH")
    of.listing(db, kits, "web", "PACK")
    assert offered(db, kits, "PACK") == 2


# Bills of materials


def test_a_bill_names_its_components_and_mode_and_a_virtual_kit_is_a_bundle(db: Database, kits: Scope) -> None:
    assert bills.show_bill(db, kits, "KIT") == bills.Bill("KIT", "ahead", True, None, [Part("BOX", 2), Part("CARD", 1)])
    f.variant(db, kits, "DUO")
    bills.set_bill(db, kits, SetBill("DUO", [Part("CARD", 2)]))
    with db.read() as conn:
        assert conn.execute(
            select(variants.c.is_bundle).where(variants.c.sku == "DUO", variants.c.merchant_id == kits.merchant_id)
        ).scalar()
    f.receive(db, kits, "CARD", 7, "WH")
    of.listing(db, kits, "web", "DUO")
    assert offered(db, kits, "DUO") == 3
    placed = ofx.order(db, kits, "o1", ("DUO", 2))
    assert [b.sku for b in placed.lines[0].bookings] == ["CARD"]  # booked as its components
    assert [b.sku for b in bills.list_bills(db, kits)] == ["DUO", "KIT"]


@pytest.mark.parametrize(
    ("components", "field"),
    [
        ([Part("NOPE", 1)], "components[0].sku"),
        ([Part("BOX", 1), Part("BOX", 2)], "components[1].sku"),
        ([Part("KIT", 1)], "components[0].sku"),
        ([Part("BOX", 0)], "components[0].quantity"),
        ([], "components"),
    ],
)
def test_a_bad_bill_is_refused_naming_the_field_and_nothing_changes(
    db: Database, kits: Scope, components: list[Part], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        bills.set_bill(db, kits, SetBill("KIT", components, "ahead"))
    assert refused.value.field == field
    assert bills.show_bill(db, kits, "KIT").components == [Part("BOX", 2), Part("CARD", 1)]


def test_a_kit_that_would_contain_itself_is_refused_and_kits_of_kits_are_built_ahead(db: Database, kits: Scope) -> None:
    f.variant(db, kits, "CRATE")
    bills.set_bill(db, kits, SetBill("CRATE", [Part("KIT", 4)], "ahead"))  # a kit of kits, built ahead
    with pytest.raises(InvalidInput) as cycle:
        bills.set_bill(db, kits, SetBill("KIT", [Part("BOX", 2), Part("CRATE", 1)], "ahead"))
    assert cycle.value.field == "components" and "KIT → CRATE → KIT" in cycle.value.message
    with pytest.raises(InvalidInput) as nested:
        bills.set_bill(db, kits, SetBill("KIT", [Part("BOX", 2), Part("CARD", 1)], "both"))
    assert nested.value.field == "mode" and "CRATE" in nested.value.message
    with pytest.raises(NotFound):
        bills.set_bill(db, kits, SetBill("GHOST", [Part("BOX", 1)]))


# Work orders


def test_a_work_order_books_at_release_consumes_earliest_lots_and_produces_a_lot_expiring_with_them(
    db: Database, kits: Scope
) -> None:
    f.receive(db, kits, "BOX", 6, "WORKSHOP", lot="B-LATE", expires_on=date(2031, 1, 1))
    f.receive(db, kits, "BOX", 4, "WORKSHOP", lot="B-EARLY", expires_on=date(2030, 6, 1))
    f.receive(db, kits, "CARD", 5, "WORKSHOP")
    wo = make(db, kits, 4)
    assert level(db, kits, "BOX", "WORKSHOP") == (10, 0)  # a draft books nothing
    released = work_orders.release_work_order(db, kits, wo)
    assert released.status == "released"
    assert level(db, kits, "BOX", "WORKSHOP") == (10, 8)
    assert level(db, kits, "CARD", "WORKSHOP") == (5, 4)
    with pytest.raises(InsufficientStock):  # the booked components are no longer available
        f.move(db, kits, "adjust", "BOX", "WORKSHOP", -3, reason="broken")

    first = complete(db, kits, wo, 2)
    assert (first.status, first.produced, first.open) == ("in_progress", 2, 2)
    assert level(db, kits, "KIT", "WORKSHOP") == (2, 0)
    assert level(db, kits, "BOX", "WORKSHOP") == (6, 4)
    with db.read() as conn:
        consumed = conn.execute(
            select(movements.c.lot, movements.c.on_hand_delta, movements.c.booked_delta).where(
                movements.c.merchant_id == kits.merchant_id, movements.c.kind == "consume"
            )
        ).all()
        kit_lots = conn.execute(
            select(lots.c.code, lots.c.expires_on).where(
                lots.c.merchant_id == kits.merchant_id, lots.c.code.like("WO%")
            )
        ).all()
    assert sorted(consumed) == sorted([("B-EARLY", -4, -4), ("", -2, -2)])  # earliest-expiring BOX first
    assert kit_lots == [(f"WO{wo}-20300601", date(2030, 6, 1))]  # the kit expires with it

    done = complete(db, kits, wo, 1, scrap=1, reason="glue failed")
    assert (done.status, done.produced, done.scrapped, done.open) == ("done", 3, 1, 0)
    assert level(db, kits, "BOX", "WORKSHOP") == (2, 0)
    assert level(db, kits, "CARD", "WORKSHOP") == (1, 0)
    assert level(db, kits, "KIT", "WORKSHOP") == (3, 0)
    with db.read() as conn:
        reasons = (
            conn.execute(
                select(movements.c.reason).where(
                    movements.c.merchant_id == kits.merchant_id,
                    movements.c.kind == "consume",
                    movements.c.reason.is_not(None),
                )
            )
            .scalars()
            .all()
        )
    assert set(reasons) == {"scrapped: glue failed"} and len(reasons) == 2  # BOX and CARD, one kit's worth each
    assert all(c.held == 0 for c in done.components)
    assert verify(db, kits) == []
    with pytest.raises(Conflict):
        complete(db, kits, wo, 1)


def test_the_ledger_explains_a_kits_count_produced_and_sold(db: Database, kits: Scope) -> None:
    f.receive(db, kits, "BOX", 4, "WH")
    f.receive(db, kits, "CARD", 2, "WH")
    wo = make(db, kits, 2, at="WH")
    work_orders.release_work_order(db, kits, wo)
    complete(db, kits, wo, 2)
    placed = ofx.order(db, kits, "o1", ("KIT", 1))
    ofx.change(db, kits, "fulfil", placed.id)
    with db.read() as conn:
        rows = conn.execute(
            select(movements.c.kind, movements.c.on_hand_delta, movements.c.reference)
            .join(variants, variants.c.id == movements.c.variant_id)
            .where(movements.c.merchant_id == kits.merchant_id, variants.c.sku == "KIT")
            .order_by(movements.c.id)
        ).all()
    assert [(k, d) for k, d, _ in rows] == [("produce", 2), ("book", 0), ("ship", -1)]
    assert rows[0][2] == f"workorder:{wo}"
    assert sum(d for _, d, _ in rows) == level(db, kits, "KIT", "WH")[0] == 1


def test_a_work_order_short_of_components_is_refused_naming_them_and_books_nothing(db: Database, kits: Scope) -> None:
    f.receive(db, kits, "BOX", 10, "WORKSHOP")
    f.receive(db, kits, "CARD", 2, "WORKSHOP")
    f.receive(db, kits, "CARD", 50, "WH")  # elsewhere: not the work order's location
    wo = make(db, kits, 3)
    with pytest.raises(InsufficientStock) as short:
        work_orders.release_work_order(db, kits, wo)
    assert short.value.details == [{"sku": "CARD", "needed": 3, "available": 2, "missing": 1}]
    assert level(db, kits, "BOX", "WORKSHOP") == (10, 0)
    assert work_orders.show_work_order(db, kits, wo).status == "draft"


def test_cancelling_a_released_work_order_releases_what_it_still_holds(db: Database, kits: Scope) -> None:
    f.receive(db, kits, "BOX", 10, "WORKSHOP")
    f.receive(db, kits, "CARD", 5, "WORKSHOP")
    wo = make(db, kits, 3)
    work_orders.release_work_order(db, kits, wo)
    complete(db, kits, wo, 1)
    cancelled = work_orders.cancel_work_order(db, kits, wo)
    assert (cancelled.status, cancelled.produced) == ("cancelled", 1)
    assert level(db, kits, "BOX", "WORKSHOP") == (8, 0)
    assert level(db, kits, "CARD", "WORKSHOP") == (4, 0)
    assert level(db, kits, "KIT", "WORKSHOP") == (1, 0)
    assert verify(db, kits) == []
    with pytest.raises(Conflict):
        work_orders.release_work_order(db, kits, wo)


def test_a_work_order_is_refused_for_a_virtual_kit_a_variant_without_a_bill_and_bad_completions(
    db: Database, kits: Scope
) -> None:
    f.variant(db, kits, "DUO")
    bills.set_bill(db, kits, SetBill("DUO", [Part("CARD", 2)], "virtual"))
    for sku in ("DUO", "BOX"):
        with pytest.raises(InvalidInput) as refused:
            make(db, kits, 1, sku=sku)
        assert refused.value.field == "sku"
    f.receive(db, kits, "BOX", 4, "WORKSHOP")
    f.receive(db, kits, "CARD", 2, "WORKSHOP")
    wo = make(db, kits, 2)
    with pytest.raises(Conflict):
        complete(db, kits, wo, 1)  # not released yet
    work_orders.release_work_order(db, kits, wo)
    for kwargs, field in (({"quantity": 3}, "quantity"), ({"quantity": 0, "scrap": 1}, "reason"),
                          ({"quantity": 0}, "quantity")):  # fmt: skip
        with pytest.raises(InvalidInput) as bad:
            completion.complete_work_order(db, kits, Complete(wo, **kwargs))
        assert bad.value.field == field
    assert level(db, kits, "KIT", "WORKSHOP") == (0, 0)


# What channels are offered


def test_ahead_offers_only_assembled_stock_and_both_adds_what_the_components_make(db: Database, kits: Scope) -> None:
    f.receive(db, kits, "BOX", 10, "WH")
    f.receive(db, kits, "CARD", 10, "WH")
    assert offered(db, kits, "KIT") == 0  # ahead: nothing assembled yet
    wo = make(db, kits, 2, at="WH")
    work_orders.release_work_order(db, kits, wo)
    complete(db, kits, wo, 2)
    assert offered(db, kits, "KIT") == 2  # BOX 6 and CARD 8 left are not offered as kits
    bills.set_bill(db, kits, SetBill("KIT", [Part("BOX", 2), Part("CARD", 1)], "both"))
    assert offered(db, kits, "KIT") == 2 + 3  # assembled, plus min(6 // 2, 8 // 1)

    sold = ofx.order(db, kits, "o1", ("KIT", 2))  # assembled stock covers it: taken first
    assert [b.sku for b in sold.lines[0].bookings] == ["KIT"]
    assert offered(db, kits, "KIT") == 3
    built = ofx.order(db, kits, "o2", ("KIT", 1))  # none assembled left: built from components
    assert sorted(b.sku for b in built.lines[0].bookings) == ["BOX", "CARD"]
    assert offered(db, kits, "KIT") == 2
    assert level(db, kits, "BOX", "WH") == (6, 2)
    assert verify(db, kits) == []


def test_verify_names_a_work_order_whose_holds_or_kits_its_movements_do_not_explain(db: Database, kits: Scope) -> None:
    f.receive(db, kits, "BOX", 4, "WORKSHOP")
    f.receive(db, kits, "CARD", 2, "WORKSHOP")
    wo = make(db, kits, 2)
    work_orders.release_work_order(db, kits, wo)
    complete(db, kits, wo, 1)
    assert verify(db, kits) == []
    with db.write() as conn:  # what a bug would leave behind: figures no movement wrote
        conn.execute(update(work_orders_table).where(work_orders_table.c.id == wo).values(produced=2))
        h = work_order_holds.c
        conn.execute(update(work_order_holds).where(h.work_order_id == wo).values(consumed=h.consumed + 1))
    found = [str(p) for p in verify(db, kits)]
    assert f"work order {wo}: produced stored 2, its movements sum to 1" in found
    assert sum(f"work order {wo}: held" in p for p in found) == 2  # BOX and CARD each hold one less than booked
