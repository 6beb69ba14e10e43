"""Suppliers as records behind drop-ship locations, and the items (variant, unit cost) they carry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.suppliers import supplier_items, suppliers
from truecount.domain.errors import AlreadyExists, IdempotencyConflict, InvalidInput, NotFound
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.common.scope import Scope
from truecount.services.suppliers.records import (
    Supplier,
    SupplierItem,
    add_supplier,
    get_supplier,
    list_suppliers,
    set_supplier_item,
)


def two_suppliers(db: Database, scope: Scope) -> None:
    f.location(db, scope, "DS-ACME", kind="dropship")
    f.location(db, scope, "DS-BOLT", kind="dropship")
    f.variant(db, scope, "SNK")
    add_supplier(db, scope, AddSupplier("ACME", "Acme Ltd", "po@acme.example", "DS-ACME", "EUR", 2, "15:30"))
    add_supplier(db, scope, AddSupplier("BOLT", "Bolt GmbH", "orders@bolt.example", "DS-BOLT", "USD"))


def supplier_rows(db: Database, scope: Scope) -> tuple[int, int]:
    with db.read() as conn:
        counted = [
            conn.execute(select(func.count()).select_from(t).where(t.c.merchant_id == scope.merchant_id)).scalar_one()
            for t in (suppliers, supplier_items)
        ]
    return counted[0], counted[1]


def test_suppliers_are_listed_by_code_with_the_drop_ship_location_they_stand_behind(db: Database, scope: Scope) -> None:
    two_suppliers(db, scope)
    assert list_suppliers(db, scope) == [
        Supplier("ACME", "Acme Ltd", "po@acme.example", "EUR", "DS-ACME", 2, "15:30"),
        Supplier("BOLT", "Bolt GmbH", "orders@bolt.example", "USD", "DS-BOLT", 0, None),
    ]
    assert get_supplier(db, scope, "BOLT").items == []


def test_the_database_refuses_a_second_supplier_for_a_location_as_two_racing_adds_would_write(
    db: Database, scope: Scope
) -> None:
    """Two adds at once both pass the service's check; the unique index refuses the later insert."""
    two_suppliers(db, scope)
    with db.read() as conn:
        mine = (suppliers.c.merchant_id == scope.merchant_id, suppliers.c.code == "ACME")
        acme = dict(conn.execute(select(suppliers).where(*mine)).mappings().one())
    twin = {**{k: v for k, v in acme.items() if k != "id"}, "code": "ACME2"}
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(insert(suppliers).values(**twin))
    assert supplier_rows(db, scope) == (2, 0)


def test_several_suppliers_carry_one_variant_each_at_its_own_cost_and_a_second_put_replaces(
    db: Database, scope: Scope
) -> None:
    two_suppliers(db, scope)
    first = set_supplier_item(db, scope, SetSupplierItem("ACME", "SNK", "12.5", "AC-991", 6))
    assert first.created and first.item == SupplierItem("SNK", "AC-991", "12.50", "EUR", 6)
    set_supplier_item(db, scope, SetSupplierItem("BOLT", "SNK", "11.0400"))
    again = set_supplier_item(db, scope, SetSupplierItem("ACME", "SNK", "12.25", "AC-991", 12))
    assert not again.created
    assert get_supplier(db, scope, "ACME").items == [SupplierItem("SNK", "AC-991", "12.25", "EUR", 12)]
    assert get_supplier(db, scope, "BOLT").items == [SupplierItem("SNK", None, "11.04", "USD", 1)]
    with db.read() as conn:
        costs = conn.execute(
            select(supplier_items.c.unit_cost).where(supplier_items.c.merchant_id == scope.merchant_id)
        ).scalars()
        assert sorted(Decimal(c) for c in costs) == [Decimal("11.04"), Decimal("12.25")]  # exact, not floats


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"location": "WH1"}, InvalidInput, "location"),  # a warehouse, not a drop-shipper
        ({"location": "NOPE"}, NotFound, "location"),
        ({"email": "acme.example"}, InvalidInput, "email"),
        ({"currency": "eur"}, InvalidInput, "currency"),
        ({"lead_days": -1}, InvalidInput, "lead_days"),
        ({"cutoff": "25:00"}, InvalidInput, "cutoff"),
        ({"code": "AC/ME"}, InvalidInput, "code"),
        ({"name": " "}, InvalidInput, "name"),
        ({"code": "ACME"}, AlreadyExists, "code"),
        ({"location": "DS-BOLT"}, AlreadyExists, "location"),  # BOLT already stands behind it
    ],
)
def test_a_bad_supplier_is_refused_naming_the_field_and_nothing_is_written(
    db: Database, scope: Scope, change: dict[str, object], error: type[Exception], field: str
) -> None:
    two_suppliers(db, scope)
    f.location(db, scope, "WH1")
    base = {"code": "NEW", "name": "New Co", "email": "a@new.example", "location": "DS-ACME"}
    with pytest.raises(error) as refused:
        add_supplier(db, scope, AddSupplier(**(base | change)))  # type: ignore[arg-type]
    assert getattr(refused.value, "field", None) == field
    assert supplier_rows(db, scope) == (2, 0)


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"cost": "-1"}, InvalidInput, "cost"),
        ({"cost": "1.23456"}, InvalidInput, "cost"),
        ({"cost": "12,50"}, InvalidInput, "cost"),
        ({"cost": "NaN"}, InvalidInput, "cost"),
        ({"case": 0}, InvalidInput, "case"),
        ({"supplier": "NOPE"}, NotFound, "supplier"),
        ({"sku": "NOPE"}, NotFound, "sku"),
    ],
)
def test_a_bad_supplier_item_is_refused_naming_the_field_and_nothing_is_written(
    db: Database, scope: Scope, change: dict[str, object], error: type[Exception], field: str
) -> None:
    two_suppliers(db, scope)
    base = {"supplier": "ACME", "sku": "SNK", "cost": "9.99"}
    with pytest.raises(error) as refused:
        set_supplier_item(db, scope, SetSupplierItem(**(base | change)))  # type: ignore[arg-type]
    assert getattr(refused.value, "field", None) == field
    assert supplier_rows(db, scope) == (2, 0)


def test_a_repeated_key_answers_the_first_supplier_and_another_payload_under_it_is_a_conflict(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "DS-ACME", kind="dropship")
    cmd = AddSupplier("ACME", "Acme Ltd", "po@acme.example", "DS-ACME")
    add_supplier(db, scope, cmd, key="sup-1")
    replay = add_supplier(db, scope, cmd, key="sup-1")
    assert replay.replayed and replay.code == "ACME"
    with pytest.raises(IdempotencyConflict):
        add_supplier(db, scope, AddSupplier("ACME2", "Acme Ltd", "po@acme.example", "DS-ACME"), key="sup-1")
    assert supplier_rows(db, scope) == (1, 0)
