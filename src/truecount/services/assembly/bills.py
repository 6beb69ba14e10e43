"""Bills of materials: set, show and list a kit's components and how it is sold.

A bill is stored where a bundle's components always were (``bundle_components``); the kit's
``assembly`` says how it is sold and ``is_bundle`` is kept as "booked and offered through its
components" (``virtual`` and ``both``), so a ``virtual`` kit is exactly a bundle. A change is
announced on the availability seam: channel offers follow in the same transaction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import bundle_components, locations, variants
from truecount.adapters.db.tables.orders import backorders, bookings, order_lines
from truecount.domain.assembly import AHEAD, FROM_COMPONENTS, Part, SetBill, check_bill, find_cycle
from truecount.domain.errors import Conflict, InvalidInput, NotFound
from truecount.services.common import availability
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_id, variant_id
from truecount.services.common.scope import Scope


@dataclass(frozen=True, slots=True)
class Bill:
    """A kit's bill of materials: how it is sold (``mode``), whether it is for sale, where it is built to
    order, its components by SKU; ``replayed``: a change's key answered its first answer again."""

    sku: str
    mode: str
    for_sale: bool
    build_to_order_at: str | None  # the location where orders that owe the kit create work orders
    components: list[Part]
    replayed: bool = False


def set_bill(db: Database, scope: Scope, cmd: SetBill, key: str | None = None) -> Bill:
    """Set a kit's bill of materials and mode (all or nothing); its view."""
    check_bill(cmd.sku, cmd.mode, cmd.components)
    if cmd.build_to_order_at is not None and cmd.mode != AHEAD:
        raise InvalidInput(
            f"applies to a kit built ahead (mode ahead), not {cmd.mode}: a {cmd.mode} kit's orders book its components",
            field="build_to_order_at",
        )
    m = scope.merchant_id
    with db.write() as conn:
        return run_once(conn, m, key, {"bom": asdict(cmd)}, lambda: _set(conn, m, cmd), Bill)


def _set(conn: Connection, m: int, cmd: SetBill) -> Bill:
    kit = variant_id(conn, m, cmd.sku)
    build_at = location_id(conn, m, cmd.build_to_order_at, field="build_to_order_at") if cmd.build_to_order_at else None
    tracked = conn.execute(select(variants.c.tracked).where(variants.c.id == kit)).scalar_one()
    if not tracked:
        raise InvalidInput(f"{cmd.sku} is not tracked: a kit is counted, so it must be tracked", field="sku")
    parts: list[tuple[int, int]] = []
    for i, part in enumerate(cmd.components):
        where = f"components[{i}].sku"
        row = conn.execute(
            select(variants.c.id, variants.c.sku, variants.c.tracked, variants.c.assembly).where(
                variants.c.merchant_id == m, variants.c.sku == part.sku
            )
        ).first()
        if row is None:
            raise InvalidInput(f"no variant with SKU {part.sku!r}", field=where)
        if not row.tracked:
            raise InvalidInput(f"{part.sku} is not tracked: a kit's components are counted", field=where)
        if row.assembly in FROM_COMPONENTS:
            raise InvalidInput(
                f"{part.sku} is itself sold from its components ({row.assembly}): only a kit built ahead "
                "can be part of another kit",
                field=where,
            )
        parts.append((int(row.id), part.quantity))
    if cmd.mode in FROM_COMPONENTS:
        used_in = _kits_using(conn, m, kit)
        if used_in:
            raise InvalidInput(
                f"{cmd.sku} is a component of {', '.join(used_in)}: a kit inside another kit is built ahead "
                "(mode ahead)",
                field="mode",
            )
    bills: dict[int, list[int]] = {}
    for bundle, component in conn.execute(
        select(bundle_components.c.bundle_id, bundle_components.c.component_id).where(
            bundle_components.c.merchant_id == m
        )
    ):
        bills.setdefault(int(bundle), []).append(int(component))
    cycle = find_cycle(kit, [cid for cid, _ in parts], bills)
    if cycle is not None:
        names = _skus(conn, m, cycle)
        raise InvalidInput(f"{cmd.sku} would contain itself: {' → '.join(names[v] for v in cycle)}", field="components")
    before = sorted((c, q) for c, q in kit_bill(conn, m, kit))
    if before and before != sorted(parts):
        open_lines = _lines_booked_as_parts(conn, m, kit)
        if open_lines:
            raise Conflict(
                f"{open_lines} open order line(s) of {cmd.sku} are booked as its components: fulfil or cancel "
                "them before changing its components",
                field="components",
            )
    conn.execute(
        delete(bundle_components).where(bundle_components.c.merchant_id == m, bundle_components.c.bundle_id == kit)
    )
    conn.execute(
        insert(bundle_components),
        [{"merchant_id": m, "bundle_id": kit, "component_id": c, "quantity": q} for c, q in parts],
    )
    conn.execute(
        update(variants)
        .where(variants.c.id == kit)
        .values(assembly=cmd.mode, is_bundle=cmd.mode in FROM_COMPONENTS, build_at=build_at)
    )
    availability.changed(conn, m, {kit})
    return bill_view(conn, m, kit)


def show_bill(db: Database, scope: Scope, sku: str) -> Bill:
    """A kit's bill: its mode, whether it is for sale, its components."""
    with db.read() as conn:
        kit = variant_id(conn, scope.merchant_id, sku)
        return bill_view(conn, scope.merchant_id, kit)


def list_bills(db: Database, scope: Scope) -> list[Bill]:
    """Every kit's bill, by SKU."""
    m = scope.merchant_id
    with db.read() as conn:
        kits = conn.execute(
            select(variants.c.id)
            .where(variants.c.merchant_id == m, variants.c.assembly.is_not(None))
            .order_by(variants.c.sku)
        ).scalars()
        return [bill_view(conn, m, int(kit)) for kit in kits]


def bill_view(conn: Connection, m: int, kit: int) -> Bill:
    """Kit ``kit``'s bill, read in the caller's transaction (NotFound: it has none)."""
    v = variants.c
    row = conn.execute(
        select(v.sku, v.assembly, v.for_sale, locations.c.code)
        .select_from(variants.outerjoin(locations, locations.c.id == v.build_at))
        .where(v.id == kit)
    ).one()
    if row.assembly is None:
        raise NotFound(f"{row.sku} has no bill of materials", field="sku")
    bill = kit_bill(conn, m, kit)
    names = _skus(conn, m, [c for c, _ in bill])
    components = [Part(names[c], q) for c, q in sorted(bill, key=lambda part: names[part[0]])]
    return Bill(str(row.sku), str(row.assembly), bool(row.for_sale), row.code, components)


def kit_bill(conn: Connection, m: int, kit: int) -> list[tuple[int, int]]:
    """(component, units per kit) of a kit, by component id."""
    c = bundle_components.c
    rows = conn.execute(
        select(c.component_id, c.quantity).where(c.merchant_id == m, c.bundle_id == kit).order_by(c.component_id)
    )
    return [(int(cid), int(q)) for cid, q in rows]


def _skus(conn: Connection, m: int, ids: list[int]) -> dict[int, str]:
    rows = conn.execute(
        select(variants.c.id, variants.c.sku).where(variants.c.merchant_id == m, variants.c.id.in_(sorted(set(ids))))
    )
    return {int(v): str(s) for v, s in rows}


def _kits_using(conn: Connection, m: int, component: int) -> list[str]:
    c = bundle_components.c
    rows = conn.execute(
        select(variants.c.sku)
        .join(bundle_components, and_(c.merchant_id == m, c.bundle_id == variants.c.id))
        .where(c.component_id == component)
        .order_by(variants.c.sku)
    )
    return [str(s) for s in rows.scalars()]


def _lines_booked_as_parts(conn: Connection, m: int, kit: int) -> int:
    """Open order lines of ``kit`` holding or owed something other than the kit itself (its parts)."""
    ol, b, bo = order_lines.c, bookings.c, backorders.c
    held = select(b.order_line_id).where(
        b.merchant_id == m, b.variant_id != kit, b.quantity - b.shipped - b.released > 0
    )
    owed = select(bo.order_line_id).where(
        bo.merchant_id == m, bo.variant_id != kit, bo.quantity - bo.allocated - bo.cancelled > 0
    )
    query = select(func.count()).where(ol.merchant_id == m, ol.variant_id == kit, ol.id.in_(held.union(owed)))
    return int(conn.execute(query).scalar_one())
