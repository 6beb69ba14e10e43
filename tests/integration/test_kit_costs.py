"""What a kit costs, on SQLite and PostgreSQL: a work order records what it consumed at each
component's known cost (its own unit cost, else its cheapest supplier item's), partial completions
add up, scrap counts, and one component without a cost makes the cost unknown."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.domain.assembly import Complete, CreateWorkOrder, Part, SetBill
from truecount.domain.commands import EditVariant
from truecount.domain.errors import InvalidInput
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.assembly import bills, completion, work_orders
from truecount.services.assembly.views import WorkOrder
from truecount.services.catalog import products
from truecount.services.common.scope import Scope
from truecount.services.suppliers.records import add_supplier, set_supplier_item


@pytest.fixture
def kits(db: Database, scope: Scope) -> Scope:
    """WORKSHOP holding 40 BOX and 20 CARD; KIT is 2 BOX + 1 CARD, built ahead."""
    f.location(db, scope, "WORKSHOP", saleable=False)
    for sku in ("BOX", "CARD", "KIT"):
        f.variant(db, scope, sku)
    bills.set_bill(db, scope, SetBill("KIT", [Part("BOX", 2), Part("CARD", 1)], "ahead"))
    f.receive(db, scope, "BOX", 40, "WORKSHOP")
    f.receive(db, scope, "CARD", 20, "WORKSHOP")
    return scope


def cost(db: Database, scope: Scope, sku: str, value: str) -> None:
    products.edit_variant(db, scope, EditVariant(sku, unit_cost=value))


def released(db: Database, scope: Scope, quantity: int) -> int:
    wo = int(work_orders.create_work_order(db, scope, CreateWorkOrder("KIT", quantity, "WORKSHOP")).id)
    work_orders.release_work_order(db, scope, wo)
    return wo


def complete(db: Database, scope: Scope, wo: int, quantity: int, **kwargs: Any) -> WorkOrder:
    return completion.complete_work_order(db, scope, Complete(wo, quantity, **kwargs))


def test_a_kit_costs_what_its_components_cost(db: Database, kits: Scope) -> None:
    cost(db, kits, "BOX", "1.25")
    cost(db, kits, "CARD", "0.5")
    wo = released(db, kits, 4)
    fresh = work_orders.show_work_order(db, kits, wo)
    assert (fresh.consumed_cost, fresh.kit_cost, fresh.cost_unknown) == ("0.00", None, None)
    done = complete(db, kits, wo, 4)
    assert (done.consumed_cost, done.kit_cost, done.cost_unknown) == ("12.00", "3.00", None)  # 8×1.25 + 4×0.50
    assert work_orders.show_work_order(db, kits, wo).kit_cost == "3.00"


def test_partial_completions_add_up_at_the_cost_of_the_moment_and_scrap_counts(db: Database, kits: Scope) -> None:
    cost(db, kits, "BOX", "1.25")
    cost(db, kits, "CARD", "0.5")
    wo = released(db, kits, 5)
    first = complete(db, kits, wo, 1)
    assert (first.consumed_cost, first.kit_cost) == ("3.00", "3.00")
    cost(db, kits, "BOX", "2")  # the next completion consumes BOX at its new cost
    second = complete(db, kits, wo, 2, scrap=1, reason="torn")
    # 3 kits' worth more (2 built, 1 scrapped): 6 BOX × 2.00 + 3 CARD × 0.50 = 13.50; 16.50 for 3 kits
    assert (second.consumed_cost, second.kit_cost, second.status) == ("16.50", "5.50", "in_progress")
    last = complete(db, kits, wo, 1)
    assert (last.consumed_cost, last.kit_cost, last.status) == ("21.00", "5.25", "done")


def test_one_component_without_a_cost_makes_the_kit_cost_unknown(db: Database, kits: Scope) -> None:
    cost(db, kits, "BOX", "1.25")
    wo = released(db, kits, 3)
    first = complete(db, kits, wo, 1)
    assert (first.consumed_cost, first.kit_cost, first.cost_unknown) == (None, None, "CARD has no cost")
    cost(db, kits, "CARD", "0.5")  # known now, but the first kit consumed CARD without a cost
    later = complete(db, kits, wo, 2)
    assert (later.consumed_cost, later.kit_cost, later.cost_unknown) == (None, None, "CARD has no cost")


def test_a_component_without_its_own_cost_costs_its_cheapest_supplier_item(db: Database, kits: Scope) -> None:
    for code, at in (("ACME", "DS-A"), ("BOLT", "DS-B")):
        f.location(db, kits, at, kind="dropship")
        add_supplier(db, kits, AddSupplier(code, f"{code} Ltd", f"po@{code.lower()}.example", at))
    set_supplier_item(db, kits, SetSupplierItem("ACME", "CARD", "0.80"))
    set_supplier_item(db, kits, SetSupplierItem("BOLT", "CARD", "0.60"))
    set_supplier_item(db, kits, SetSupplierItem("ACME", "BOX", "9"))
    cost(db, kits, "BOX", "1.25")  # its own cost comes before any supplier's
    wo = released(db, kits, 2)
    done = complete(db, kits, wo, 2)
    assert (done.consumed_cost, done.kit_cost) == ("6.20", "3.10")  # 4×1.25 + 2×0.60


@pytest.mark.parametrize("bad", ["-1", "1.23456", "abc", "12345678901"])
def test_a_bad_unit_cost_is_refused_naming_the_field_and_nothing_is_written(
    db: Database, kits: Scope, bad: str
) -> None:
    cost(db, kits, "BOX", "1.25")
    with pytest.raises(InvalidInput) as refused:
        products.edit_variant(db, kits, EditVariant("BOX", for_sale=False, unit_cost=bad))
    assert refused.value.field == "unit_cost"
    with db.read() as conn:
        row = conn.execute(
            select(variants.c.for_sale, variants.c.unit_cost).where(
                variants.c.merchant_id == kits.merchant_id, variants.c.sku == "BOX"
            )
        ).one()
    assert (bool(row.for_sale), str(row.unit_cost)[:4]) == (True, "1.25")


def test_a_unit_cost_is_shown_and_can_be_cleared(db: Database, kits: Scope) -> None:
    shown = products.edit_variant(db, kits, EditVariant("BOX", unit_cost="4.2"))
    assert shown.variants[0].unit_cost == "4.20"
    cleared = products.edit_variant(db, kits, EditVariant("BOX", unit_cost=products.UNSET))
    assert cleared.variants[0].unit_cost is None
