"""Make, show and list pick lists.

A pick list is stored with its lines, so a picker prints it and scans against it: it is what was
booked at the location (its own shelf and its bins) for the orders and work orders asked when it
was made, each booking as lines in walking order with the lot to take first-expiry-first-out
(:mod:`truecount.domain.picking`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, Table, insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.assembly import work_order_holds, work_orders
from truecount.adapters.db.tables.catalog import inventory_types, locations, lots, variants
from truecount.adapters.db.tables.orders import bookings, order_lines, orders
from truecount.adapters.db.tables.picking import pick_list_lines, pick_lists
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.picking import Lots, MakePickList, Need, check_sources, plan_takes, walk_key
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_and_descendants, location_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.ledger import lots_at

SHOWN = 100  # pick lists listed, newest first


@dataclass(frozen=True, slots=True)
class PickLine:
    """Take ``quantity`` of ``sku`` (type, ``lot``: "" unlotted) from ``place`` (the location or one of
    its bins) for ``order`` or ``work_order``; ``picked``: units scanned so far."""

    line: int
    place: str
    sku: str
    inventory_type: str
    lot: str
    expires_on: str | None
    quantity: int
    picked: int
    order: int | None
    work_order: int | None


@dataclass(frozen=True, slots=True)
class PickList:
    """A pick list at ``location``: the orders and work orders asked, its lines in walking order;
    ``complete``: every line picked; ``replayed``: a key answered its first answer again."""

    id: int
    location: str
    orders: list[int]
    work_orders: list[int]
    created_by: str
    created_at: str
    complete: bool
    lines: list[PickLine]
    replayed: bool = False


def make_pick_list(db: Database, scope: Scope, cmd: MakePickList, key: str | None = None) -> PickList:
    """Store a pick list of what is booked at the location for the orders and work orders; its view.

    Refused, nothing written: no order or work order given, one unknown, or nothing booked there."""
    check_sources(cmd.orders, cmd.work_orders)
    m = scope.merchant_id
    payload = {"pick_list": [cmd.location, sorted(cmd.orders), sorted(cmd.work_orders)]}
    with db.write() as conn:
        return run_once(conn, m, key, payload, lambda: _make(conn, scope, cmd), PickList)


def _make(conn: Connection, scope: Scope, cmd: MakePickList) -> PickList:
    m = scope.merchant_id
    loc = location_id(conn, m, cmd.location)
    _check_known(conn, m, cmd)
    places = location_and_descendants(conn, m, loc)
    needs = _booked(conn, m, places, cmd)
    if not needs:
        asked = [f"order {i}" for i in cmd.orders] + [f"work order {i}" for i in cmd.work_orders]
        raise InvalidInput(
            f"nothing is booked at {cmd.location} or its bins for {', '.join(asked)}: nothing to pick there",
            field="location",
        )
    levels = {(n.variant_id, n.place_id, n.type_id) for n in needs}
    found: dict[tuple[int, int, int], Lots] = {
        (v, p, t): lots_at(conn, {"merchant_id": m, "variant_id": v, "location_id": p, "inventory_type_id": t})
        for v, p, t in levels
    }
    takes = plan_takes(needs, found)
    skus = _names(conn, variants, "sku", {t.need.variant_id for t in takes})
    codes = _names(conn, locations, "code", {t.need.place_id for t in takes})
    expiry = {(v, code): exp for (v, _, _), at in found.items() for code, exp, _ in at}
    takes.sort(
        key=lambda t: walk_key(
            t.need.place_id == loc,
            codes[t.need.place_id],
            skus[t.need.variant_id],
            t.lot,
            expiry.get((t.need.variant_id, t.lot)),
            t.need.source,
        )
    )
    now = db_time(utcnow())
    pk = conn.execute(
        insert(pick_lists).values(
            merchant_id=m,
            location_id=loc,
            orders=json.dumps(cmd.orders),
            work_orders=json.dumps(cmd.work_orders),
            created_by=scope.actor,
            created_at=now,
        )
    ).inserted_primary_key
    assert pk is not None
    number = int(pk[0])
    conn.execute(
        insert(pick_list_lines),
        [
            {
                "merchant_id": m,
                "pick_list_id": number,
                "line_no": i,
                "location_id": t.need.place_id,
                "variant_id": t.need.variant_id,
                "inventory_type_id": t.need.type_id,
                "lot": t.lot,
                "quantity": t.quantity,
                "picked": 0,
                "order_id": t.need.source[1] if t.need.source[0] == "order" else None,
                "work_order_id": t.need.source[1] if t.need.source[0] == "workorder" else None,
            }
            for i, t in enumerate(takes, start=1)
        ],
    )
    return pick_list_view(conn, m, number)


def _check_known(conn: Connection, m: int, cmd: MakePickList) -> None:
    for name, table, ids, what in (
        ("orders", orders, cmd.orders, "order"),
        ("work_orders", work_orders, cmd.work_orders, "work order"),
    ):
        if not ids:
            continue
        known = set(conn.execute(select(table.c.id).where(table.c.merchant_id == m, table.c.id.in_(ids))).scalars())
        missing = [i for i in ids if i not in known]
        if missing:
            raise NotFound(f"no {what} {', '.join(map(str, missing))}", field=name)


def _booked(conn: Connection, m: int, places: list[int], cmd: MakePickList) -> list[Need]:
    """What the orders' bookings and the work orders' holds still hold at ``places``, orders first."""
    needs: list[Need] = []
    if cmd.orders:
        b, line = bookings.c, order_lines.c
        rows = conn.execute(
            select(line.order_id, b.variant_id, b.location_id, b.inventory_type_id, b.quantity - b.shipped - b.released)
            .join(order_lines, line.id == b.order_line_id)
            .where(
                b.merchant_id == m,
                line.merchant_id == m,
                line.order_id.in_(cmd.orders),
                b.location_id.in_(places),
                b.quantity - b.shipped - b.released > 0,
            )
            .order_by(line.order_id, line.line_no, b.id)
        )
        needs += [Need(int(v), int(p), int(t), ("order", int(o)), int(q)) for o, v, p, t, q in rows]
    if cmd.work_orders:
        h = work_order_holds.c
        rows = conn.execute(
            select(
                h.work_order_id, h.variant_id, h.location_id, h.inventory_type_id, h.quantity - h.consumed - h.released
            )
            .where(
                h.merchant_id == m,
                h.work_order_id.in_(cmd.work_orders),
                h.location_id.in_(places),
                h.quantity - h.consumed - h.released > 0,
            )
            .order_by(h.work_order_id, h.id)
        )
        needs += [Need(int(v), int(p), int(t), ("workorder", int(w)), int(q)) for w, v, p, t, q in rows]
    return needs


def _names(conn: Connection, table: Table, column: str, ids: set[int]) -> dict[int, str]:
    """``id → column`` of the rows ``ids`` of ``table`` (a SKU, a location's code)."""
    rows = conn.execute(select(table.c.id, table.c[column]).where(table.c.id.in_(ids)))
    return {int(k): str(v) for k, v in rows}


def show_pick_list(db: Database, scope: Scope, pick_list: int) -> PickList:
    """One pick list with its lines (and what has been picked)."""
    with db.read() as conn:
        return pick_list_view(conn, scope.merchant_id, pick_list)


def list_pick_lists(db: Database, scope: Scope) -> list[PickList]:
    """The newest pick lists (at most :data:`SHOWN`), newest first."""
    m = scope.merchant_id
    with db.read() as conn:
        ids = conn.execute(
            select(pick_lists.c.id).where(pick_lists.c.merchant_id == m).order_by(pick_lists.c.id.desc()).limit(SHOWN)
        ).scalars()
        return [pick_list_view(conn, m, int(i)) for i in ids]


def pick_list_view(conn: Connection, m: int, pick_list: int) -> PickList:
    """A stored pick list and its lines, in walking order."""
    p = pick_lists.c
    head = conn.execute(
        select(pick_lists, locations.c.code)
        .join(locations, locations.c.id == p.location_id)
        .where(p.merchant_id == m, p.id == pick_list)
    ).first()
    if head is None:
        raise NotFound(f"no pick list {pick_list}", field="pick_list")
    ln = pick_list_lines.c
    place = locations.alias("place")
    rows = conn.execute(
        select(
            pick_list_lines,
            variants.c.sku,
            place.c.code.label("place"),
            inventory_types.c.code.label("itype"),
            lots.c.expires_on,
        )
        .join(variants, variants.c.id == ln.variant_id)
        .join(place, place.c.id == ln.location_id)
        .join(inventory_types, inventory_types.c.id == ln.inventory_type_id)
        .outerjoin(
            lots,
            (lots.c.merchant_id == ln.merchant_id) & (lots.c.variant_id == ln.variant_id) & (lots.c.code == ln.lot),
        )
        .where(ln.merchant_id == m, ln.pick_list_id == pick_list)
        .order_by(ln.line_no)
    ).all()
    lines = [
        PickLine(
            line=int(r.line_no),
            place=str(r.place),
            sku=str(r.sku),
            inventory_type=str(r.itype),
            lot=str(r.lot),
            expires_on=r.expires_on.isoformat() if r.expires_on is not None else None,
            quantity=int(r.quantity),
            picked=int(r.picked),
            order=None if r.order_id is None else int(r.order_id),
            work_order=None if r.work_order_id is None else int(r.work_order_id),
        )
        for r in rows
    ]
    return PickList(
        id=int(head.id),
        location=str(head.code),
        orders=[int(i) for i in json.loads(head.orders)],
        work_orders=[int(i) for i in json.loads(head.work_orders)],
        created_by=str(head.created_by),
        created_at=head.created_at.isoformat(),
        complete=all(x.picked == x.quantity for x in lines),
        lines=lines,
    )
