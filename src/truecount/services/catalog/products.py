"""Products after they are created: list, show, rename, add a variant, change a variant.

A product has no code of its own: people name it by its number (``product list`` shows it), by the
SKU or barcode of one of its variants, or by its exact name when only one product has it.
A change to a variant's flags (``discontinued``, ``sellable_from``, ``for_sale``) changes what channels are
offered, so it is announced on the availability seam in the same transaction. A variant's ``unit_cost``
is what a unit costs the merchant (work orders consume components at it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import barcodes, bundle_components, products, variants
from truecount.domain.commands import AddProduct, EditVariant, VariantSpec
from truecount.domain.errors import AlreadyExists, InvalidInput, NotFound
from truecount.domain.suppliers import cost_text, parse_cost

from ..common import availability
from ..common.idempotency import run_once
from ..common.lookups import variant_id
from ..common.scope import Scope
from .records import check_code, insert_variant, validate_product, validate_variant

UNSET = "unset"  # ``EditVariant.sellable_from`` that clears the date


@dataclass(frozen=True, slots=True)
class ProductRow:
    """A product as the list shows it: number, name, how many variants, their SKUs."""

    id: int
    name: str
    variants: int
    skus: list[str]


@dataclass(frozen=True, slots=True)
class ComponentRow:
    """A bundle's component: its SKU and units per bundle."""

    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class VariantView:
    """A variant of a product: options, barcodes, flags (``sellable_from`` an ISO date) and components."""

    sku: str
    options: dict[str, str]
    barcodes: list[str]
    tracked: bool
    discontinued: bool
    sellable_from: str | None
    components: list[ComponentRow]
    for_sale: bool = True  # False: a raw material, never offered
    assembly: str | None = None  # a kit's mode (virtual, ahead, both); None: no bill of materials
    unit_cost: str | None = None  # what a unit costs the merchant (decimal string); None: not set


@dataclass(frozen=True, slots=True)
class ProductView:
    """A product with every variant; ``replayed``: a change's key answered its first answer again."""

    id: int
    name: str
    variants: list[VariantView]
    replayed: bool = False


def product_id(conn: Connection, m: int, ref: str, *, field: str = "product") -> int:
    """The product named by ``ref``: its number, a variant's SKU or barcode, or its exact unique name."""
    ref = ref.strip()
    if ref.isdigit():
        found = conn.execute(
            select(products.c.id).where(products.c.merchant_id == m, products.c.id == int(ref))
        ).scalar()
        if found is not None:
            return int(found)
    sku_owner = conn.execute(
        select(variants.c.product_id).where(variants.c.merchant_id == m, variants.c.sku == ref)
    ).scalar()
    if sku_owner is None:
        sku_owner = conn.execute(
            select(variants.c.product_id)
            .join(barcodes, barcodes.c.variant_id == variants.c.id)
            .where(barcodes.c.merchant_id == m, barcodes.c.code == ref)
        ).scalar()
    if sku_owner is not None:
        return int(sku_owner)
    named = (
        conn.execute(select(products.c.id).where(products.c.merchant_id == m, products.c.name == ref)).scalars().all()
    )
    if len(named) == 1:
        return int(named[0])
    if len(named) > 1:
        numbers = ", ".join(str(n) for n in sorted(named))
        raise InvalidInput(f"{len(named)} products are named {ref!r} (numbers {numbers}): give the number", field=field)
    raise NotFound(f"no product with number, SKU, barcode or name {ref!r}", field=field)


def list_products(db: Database, scope: Scope, q: str = "", limit: int = 100, offset: int = 0) -> list[ProductRow]:
    """Products (number, name, how many variants, their SKUs), by name; ``q`` matches a name or a SKU."""
    m = scope.merchant_id
    with db.read() as conn:
        stmt = (
            select(products.c.id, products.c.name, func.count(variants.c.id))
            .select_from(products.outerjoin(variants, variants.c.product_id == products.c.id))
            .where(products.c.merchant_id == m)
            .group_by(products.c.id, products.c.name)
            .order_by(func.lower(products.c.name), products.c.id)
            .limit(limit)
            .offset(offset)
        )
        if q:
            pattern = f"%{q.lower()}%"
            with_sku = select(variants.c.product_id).where(
                variants.c.merchant_id == m, func.lower(variants.c.sku).like(pattern)
            )
            stmt = stmt.where(func.lower(products.c.name).like(pattern) | products.c.id.in_(with_sku))
        rows = conn.execute(stmt).all()
        skus: dict[int, list[str]] = {}
        if rows:
            for pid, sku in conn.execute(
                select(variants.c.product_id, variants.c.sku)
                .where(variants.c.merchant_id == m, variants.c.product_id.in_([int(r[0]) for r in rows]))
                .order_by(variants.c.sku)
            ):
                skus.setdefault(int(pid), []).append(str(sku))
    return [ProductRow(int(r[0]), r[1], int(r[2]), skus.get(int(r[0]), [])) for r in rows]


def show_product(db: Database, scope: Scope, ref: str) -> ProductView:
    """One product with every variant: options, barcodes, flags, bundle components."""
    with db.read() as conn:
        return product_view(conn, scope.merchant_id, product_id(conn, scope.merchant_id, ref))


def product_view(conn: Connection, m: int, pid: int) -> ProductView:
    """Product ``pid`` with every variant, read in the caller's transaction."""
    name = conn.execute(select(products.c.name).where(products.c.id == pid)).scalar_one()
    rows = conn.execute(
        select(variants).where(variants.c.merchant_id == m, variants.c.product_id == pid).order_by(variants.c.id)
    ).all()
    ids = [int(r.id) for r in rows]
    codes: dict[int, list[str]] = {}
    parts: dict[int, list[ComponentRow]] = {}
    if ids:
        for vid, code in conn.execute(
            select(barcodes.c.variant_id, barcodes.c.code)
            .where(barcodes.c.merchant_id == m, barcodes.c.variant_id.in_(ids))
            .order_by(barcodes.c.code)
        ):
            codes.setdefault(int(vid), []).append(str(code))
        component = variants.alias("component")
        for bid, sku, qty in conn.execute(
            select(bundle_components.c.bundle_id, component.c.sku, bundle_components.c.quantity)
            .join(component, component.c.id == bundle_components.c.component_id)
            .where(bundle_components.c.merchant_id == m, bundle_components.c.bundle_id.in_(ids))
            .order_by(component.c.sku)
        ):
            parts.setdefault(int(bid), []).append(ComponentRow(str(sku), int(qty)))
    shown = [
        VariantView(
            sku=r.sku,
            options=json.loads(r.options or "{}"),
            barcodes=codes.get(int(r.id), []),
            tracked=bool(r.tracked),
            discontinued=bool(r.discontinued),
            sellable_from=r.sellable_from.isoformat() if r.sellable_from else None,
            for_sale=bool(r.for_sale),
            assembly=r.assembly,
            unit_cost=None if r.unit_cost is None else cost_text(Decimal(r.unit_cost)),
            components=parts.get(int(r.id), []),
        )
        for r in rows
    ]
    return ProductView(pid, name, shown)


def edit_product(db: Database, scope: Scope, ref: str, name: str, key: str | None = None) -> ProductView:
    """Rename a product."""
    validate_product(AddProduct(name, [VariantSpec("x")]))
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> ProductView:
            pid = product_id(conn, m, ref)
            conn.execute(update(products).where(products.c.id == pid).values(name=name.strip()))
            return product_view(conn, m, pid)

        return run_once(conn, m, key, {"edit_product": ref, "name": name}, act, ProductView)


def add_variant(db: Database, scope: Scope, ref: str, spec: VariantSpec, key: str | None = None) -> ProductView:
    """Add one variant (with its barcodes, options, components) to an existing product."""
    validate_variant(spec)
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> ProductView:
            pid = product_id(conn, m, ref)
            insert_variant(conn, m, pid, spec, "variant")
            return product_view(conn, m, pid)

        return run_once(conn, m, key, {"add_variant": ref, "variant": asdict(spec)}, act, ProductView)


def edit_variant(db: Database, scope: Scope, cmd: EditVariant, key: str | None = None) -> ProductView:
    """Change a variant's flags, options and barcodes; channels' offers follow in the same transaction."""
    for code in cmd.add_barcodes:
        check_code(code, "barcodes")
    if isinstance(cmd.sellable_from, str) and cmd.sellable_from != UNSET:
        raise InvalidInput(f"{cmd.sellable_from!r} is not a date (YYYY-MM-DD) or {UNSET!r}", field="sellable_from")
    _unit_cost(cmd)
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> ProductView:
            vid = apply_variant_edit(conn, m, cmd)
            pid = conn.execute(select(variants.c.product_id).where(variants.c.id == vid)).scalar_one()
            return product_view(conn, m, int(pid))

        return run_once(conn, m, key, {"edit_variant": asdict(cmd)}, act, ProductView)


def apply_variant_edit(conn: Connection, m: int, cmd: EditVariant) -> int:
    """:func:`edit_variant` inside the caller's transaction (imports); the variant's id."""
    vid = variant_id(conn, m, cmd.sku)
    values: dict[str, Any] = {}
    if cmd.discontinued is not None:
        values["discontinued"] = cmd.discontinued
    if cmd.for_sale is not None:
        values["for_sale"] = cmd.for_sale
    if cmd.unit_cost is not None:
        values["unit_cost"] = _unit_cost(cmd)
    if cmd.sellable_from is not None:
        values["sellable_from"] = None if cmd.sellable_from == UNSET else cmd.sellable_from
    if cmd.options is not None:
        values["options"] = json.dumps(cmd.options, sort_keys=True)
    if values:
        conn.execute(update(variants).where(variants.c.id == vid).values(**values))
    for code in cmd.remove_barcodes:
        gone = conn.execute(
            delete(barcodes).where(barcodes.c.merchant_id == m, barcodes.c.code == code, barcodes.c.variant_id == vid)
        )
        if gone.rowcount == 0:
            raise NotFound(f"{cmd.sku} has no barcode {code!r}", field="remove_barcodes")
    for code in cmd.add_barcodes:
        _add_barcode(conn, m, vid, code)
    if values.keys() & {"discontinued", "sellable_from", "for_sale", "unit_cost"}:  # unit_cost: cost+ prices
        availability.changed(conn, m, {vid})
    return vid


def _unit_cost(cmd: EditVariant) -> Decimal | None:
    """The unit cost ``cmd`` sets (None: cleared), refused naming ``unit_cost`` when not a cost."""
    if cmd.unit_cost is None or cmd.unit_cost == UNSET:
        return None
    return parse_cost(cmd.unit_cost, "unit_cost")


def _add_barcode(conn: Connection, m: int, vid: int, code: str) -> None:
    owner = conn.execute(
        select(barcodes.c.variant_id).where(barcodes.c.merchant_id == m, barcodes.c.code == code)
    ).scalar()
    if owner is not None:
        raise AlreadyExists(f"barcode {code!r} already belongs to {'this' if owner == vid else 'another'} variant",
                            field="add_barcodes")  # fmt: skip
    if conn.execute(select(variants.c.id).where(variants.c.merchant_id == m, variants.c.sku == code)).first():
        raise AlreadyExists(f"barcode {code!r} is another variant's SKU", field="add_barcodes")
    conn.execute(insert(barcodes).values(merchant_id=m, code=code, variant_id=vid))
