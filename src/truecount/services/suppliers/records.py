"""Add and list suppliers; set the items (variant, unit cost) a supplier carries.

A supplier stands behind one location of kind ``dropship`` (its stock arrives by ``feed``
movements), and a drop-ship location has at most one supplier; several suppliers may carry one
variant, each at its own cost in its own currency.
Writes take an idempotency key, as every write does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.suppliers import supplier_items, suppliers
from truecount.domain import suppliers as rules
from truecount.domain.errors import AlreadyExists, InvalidInput, NotFound
from truecount.domain.model import LocationKind
from truecount.domain.purchase_orders import parse_schedule
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.common.sql import insert_ignore


@dataclass(frozen=True, slots=True)
class SupplierItem:
    """A variant a supplier carries: our SKU, theirs, the unit cost (decimal string) and currency, the case size;
    ``discontinued``: its feed said it no longer makes it (its location offers none)."""

    sku: str
    supplier_sku: str | None
    cost: str
    currency: str
    case: int
    discontinued: bool = False


@dataclass(frozen=True, slots=True)
class Supplier:
    """A supplier record; ``items`` only where asked for (one supplier's view)."""

    code: str
    name: str
    email: str
    currency: str
    location: str
    lead_days: int
    cutoff: str | None
    items: list[SupplierItem] | None = None
    replayed: bool = False
    send: str = "now"


@dataclass(frozen=True, slots=True)
class SupplierItemSet:
    """The answer to setting an item: the supplier's code, the item, and whether it was new."""

    supplier: str
    item: SupplierItem
    created: bool
    replayed: bool = False


def validate_supplier(cmd: AddSupplier) -> None:
    rules.check_supplier_code(cmd.code)
    if not cmd.name or not cmd.name.strip() or not cmd.name.isprintable():
        raise InvalidInput("is required, without control characters", field="name")
    rules.check_email(cmd.email)
    rules.check_currency(cmd.currency)
    rules.check_lead_days(cmd.lead_days)
    rules.check_cutoff(cmd.cutoff)
    parse_schedule(cmd.send)
    if not cmd.location:
        raise InvalidInput("is required: the code of a dropship location", field="location")


def add_supplier(db: Database, scope: Scope, cmd: AddSupplier, key: str | None = None) -> Supplier:
    """Create a supplier standing behind a ``dropship`` location; a taken code is refused (409)."""
    validate_supplier(cmd)
    with db.write() as conn:
        return run_once(
            conn, scope.merchant_id, key, {"add_supplier": asdict(cmd)}, lambda: _add(conn, scope, cmd), Supplier
        )


def _add(conn: Connection, scope: Scope, cmd: AddSupplier) -> Supplier:
    m = scope.merchant_id
    if conn.execute(select(suppliers.c.id).where(suppliers.c.merchant_id == m, suppliers.c.code == cmd.code)).first():
        raise AlreadyExists(f"supplier {cmd.code!r} already exists", field="code")
    found = conn.execute(
        select(locations.c.id, locations.c.kind).where(locations.c.merchant_id == m, locations.c.code == cmd.location)
    ).first()
    if found is None:
        raise NotFound(f"no location with code {cmd.location!r}", field="location")
    if found.kind != LocationKind.DROPSHIP.value:
        raise InvalidInput(
            f"{cmd.location!r} is a {found.kind} location; a supplier stands behind a dropship location",
            field="location",
        )
    behind = conn.execute(
        select(suppliers.c.code).where(suppliers.c.merchant_id == m, suppliers.c.location_id == found.id)
    ).scalar()
    if behind is not None:
        raise AlreadyExists(f"supplier {behind!r} already stands behind {cmd.location!r}", field="location")
    conn.execute(
        insert(suppliers).values(
            merchant_id=m,
            code=cmd.code,
            name=cmd.name.strip(),
            email=cmd.email,
            currency=cmd.currency,
            location_id=int(found.id),
            lead_days=cmd.lead_days,
            cutoff=cmd.cutoff,
            po_send=cmd.send.strip(),
            created_at=db_time(utcnow()),
        )
    )
    return Supplier(
        cmd.code, cmd.name.strip(), cmd.email, cmd.currency, cmd.location, cmd.lead_days, cmd.cutoff,
        send=cmd.send.strip(),
    )  # fmt: skip


_SUPPLIER_COLUMNS = (
    suppliers.c.id,
    suppliers.c.code,
    suppliers.c.name,
    suppliers.c.email,
    suppliers.c.currency,
    locations.c.code.label("location"),
    suppliers.c.lead_days,
    suppliers.c.cutoff,
    suppliers.c.po_send,
)


def list_suppliers(db: Database, scope: Scope) -> list[Supplier]:
    """Every supplier of the merchant, by code (without items)."""
    with db.read() as conn:
        rows = conn.execute(
            select(*_SUPPLIER_COLUMNS)
            .join(locations, locations.c.id == suppliers.c.location_id)
            .where(suppliers.c.merchant_id == scope.merchant_id)
            .order_by(suppliers.c.code)
        ).all()
    return [_supplier(r) for r in rows]


def _supplier(r: Any) -> Supplier:
    return Supplier(r.code, r.name, r.email, r.currency, r.location, int(r.lead_days), r.cutoff, send=r.po_send)


def get_supplier(db: Database, scope: Scope, code: str) -> Supplier:
    """One supplier with the items it carries (by SKU); an unknown code is :class:`NotFound`."""
    with db.read() as conn:
        supplier_id, found = _find(conn, scope.merchant_id, code)
        items = conn.execute(
            select(
                variants.c.sku,
                supplier_items.c.supplier_sku,
                supplier_items.c.unit_cost,
                supplier_items.c.case_size,
                supplier_items.c.discontinued,
            )
            .join(variants, variants.c.id == supplier_items.c.variant_id)
            .where(supplier_items.c.merchant_id == scope.merchant_id, supplier_items.c.supplier_id == supplier_id)
            .order_by(variants.c.sku)
        ).all()
    listed = [
        _item(i.sku, i.supplier_sku, Decimal(i.unit_cost), found.currency, int(i.case_size), bool(i.discontinued))
        for i in items
    ]
    return replace(found, items=listed)


def _find(conn: Connection, m: int, code: str, field: str = "code") -> tuple[int, Supplier]:
    """The supplier's id and record (without items); an unknown code is :class:`NotFound` naming ``field``."""
    r = conn.execute(
        select(*_SUPPLIER_COLUMNS)
        .join(locations, locations.c.id == suppliers.c.location_id)
        .where(suppliers.c.merchant_id == m, suppliers.c.code == code)
    ).first()
    if r is None:
        raise NotFound(f"no supplier with code {code!r}", field=field)
    return int(r.id), _supplier(r)


def set_send_schedule(db: Database, scope: Scope, code: str, send: str, key: str | None = None) -> Supplier:
    """When the supplier's purchase orders are sent from now on: ``now``, ``HH:MM`` or ``Nh``. A
    draft already collecting keeps its due time."""
    parse_schedule(send)

    def act(conn: Connection) -> Supplier:
        supplier_id, found = _find(conn, scope.merchant_id, code)
        conn.execute(update(suppliers).where(suppliers.c.id == supplier_id).values(po_send=send.strip()))
        return replace(found, send=send.strip())

    with db.write() as conn:
        payload = {"set_send_schedule": [code, send]}
        return run_once(conn, scope.merchant_id, key, payload, lambda: act(conn), Supplier)


def _item(
    sku: str, supplier_sku: str | None, cost: Decimal, currency: str, case: int, discontinued: bool = False
) -> SupplierItem:
    return SupplierItem(sku, supplier_sku, rules.cost_text(cost), currency, case, discontinued)


def set_supplier_item(db: Database, scope: Scope, cmd: SetSupplierItem, key: str | None = None) -> SupplierItemSet:
    """Create or replace what ``cmd.supplier`` charges for ``cmd.sku`` (other suppliers' items stay)."""
    cost = rules.parse_cost(cmd.cost)
    rules.check_case(cmd.case)
    if cmd.supplier_sku is not None:
        rules.check_supplier_code(cmd.supplier_sku, "supplier_sku")
    with db.write() as conn:
        payload = {"set_supplier_item": asdict(cmd)}
        return run_once(
            conn, scope.merchant_id, key, payload, lambda: _set_item(conn, scope, cmd, cost), SupplierItemSet
        )


def _set_item(conn: Connection, scope: Scope, cmd: SetSupplierItem, cost: Decimal) -> SupplierItemSet:
    m = scope.merchant_id
    supplier_id, supplier = _find(conn, m, cmd.supplier, field="supplier")
    variant = variant_id(conn, m, cmd.sku)
    sku = conn.execute(select(variants.c.sku).where(variants.c.id == variant)).scalar_one()
    values = {
        "supplier_sku": cmd.supplier_sku,
        "unit_cost": cost,
        "case_size": cmd.case,
        "updated_at": db_time(utcnow()),
    }
    key = {"merchant_id": m, "supplier_id": supplier_id, "variant_id": variant}
    created = insert_ignore(conn, supplier_items, key | values)
    marked = False
    if not created:
        c = supplier_items.c
        marked = bool(
            conn.execute(
                update(supplier_items)
                .where(c.merchant_id == m, c.supplier_id == supplier_id, c.variant_id == variant)
                .values(**values)
                .returning(c.discontinued)
            ).scalar_one()
        )
    item = _item(sku, cmd.supplier_sku, cost, supplier.currency, cmd.case, marked)
    return SupplierItemSet(cmd.supplier, item, created=created)
