"""After the booking: fulfil (pick, pack, ship), cancel (release) and return — each a ledger movement.

Quantities are in the order line's own units; a bundle line moves its components × quantity.
Shipping leaves first-expiry-first-out; each booked unit is shipped or released at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import bundle_components, variants
from truecount.adapters.db.tables.orders import backorders, bookings, order_lines, orders
from truecount.adapters.db.tables.substitutes import line_substitutions
from truecount.domain.commands import LineChange
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.ledger import plan_fefo
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import inventory_type_id, location_id
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders.results import Order
from truecount.services.orders.views import order_view
from truecount.services.purchasing import collect as purchasing
from truecount.services.stock.ledger import Guard, LineMeta, apply_line, lots_at

_FIND_ORDER = select(orders.c.id).where(orders.c.merchant_id == bindparam("m"), orders.c.id == bindparam("id"))
_LOCK_ORDER = {False: _FIND_ORDER, True: _FIND_ORDER.with_for_update()}


ACTS = ("fulfil", "cancel", "return")


def change_order(
    db: Database, scope: Scope, act: str, order_id: int, lines: list[LineChange] | None = None, key: str | None = None
) -> Order:
    """``fulfil``, ``cancel`` or ``return`` some lines of an order (all that is open when ``lines`` is None)."""
    if act not in ACTS:
        raise InvalidInput(f"must be one of {', '.join(ACTS)}", field="act")
    check_changes(scope, lines)
    payload = {"act": act, "order": order_id, "lines": [asdict(c) for c in lines] if lines is not None else None}

    def attempt() -> Order:
        with db.write() as conn:
            return run_once(
                conn, scope.merchant_id, key, payload, lambda: _change(conn, scope, act, order_id, lines), Order
            )

    return with_retry(attempt)


def check_changes(scope: Scope, lines: list[LineChange] | None) -> None:
    """Refuse a line quantity that is not a whole number greater than zero (within the scope's maximum)."""
    for i, change in enumerate(lines or []):
        q = change.quantity
        if isinstance(q, bool) or not isinstance(q, int) or not 0 < q <= scope.max_quantity:
            raise InvalidInput("must be a whole number greater than zero", field=f"lines[{i}].quantity")


def _change(conn: Connection, scope: Scope, act: str, order_id: int, lines: list[LineChange] | None) -> Order:
    """The act inside the caller's write transaction (no idempotency key of its own)."""
    apply_change_without_answer(conn, scope, act, order_id, lines)
    return order_view(conn, scope.merchant_id, order_id)


def apply_change_without_answer(
    conn: Connection, scope: Scope, act: str, order_id: int, lines: list[LineChange] | None
) -> None:
    """:func:`apply_change` for a caller that does not answer with the order (a channel's edit of an
    order, the demo's shipping): the same act, without reading the order back."""
    m = scope.merchant_id
    # Lock the order first (PostgreSQL; SQLite writers are serialised): two clients resolving the same
    # order queue here, so the second sees what the first shipped and no booking is resolved twice.
    if conn.execute(_LOCK_ORDER[conn.dialect.name == "postgresql"], {"m": m, "id": order_id}).first() is None:
        raise NotFound(f"no order {order_id}", field="id")
    rows = conn.execute(
        select(order_lines, variants.c.sku)
        .join(variants, variants.c.id == order_lines.c.variant_id)
        .where(order_lines.c.merchant_id == m, order_lines.c.order_id == order_id)
        .order_by(order_lines.c.line_no)
    ).all()
    meta = LineMeta(m, db_time(utcnow()), scope.actor, reference=f"order:{order_id}")
    touched: set[int] = set()
    for i, (row, change) in enumerate(_selected(act, rows, lines)):
        where = f"lines[{i}]"
        units = _units(conn, m, row)
        if act == "fulfil":
            open_of = None
            if lines is None:  # "everything": what is booked ships, what is still owed waits for stock
                open_of = {variant: _open_bookings(conn, m, row, variant) for variant, _ in units}
                change = LineChange(change.sku, min(change.quantity, _shippable(open_of, units)))
                if change.quantity == 0:
                    continue
            _fulfil(conn, m, row, units, change, meta, where, touched, open_of)
        elif act == "cancel":
            _cancel(conn, m, row, units, change.quantity, meta, where, touched)
        else:
            _return(conn, m, row, units, change, meta, where, touched)
    _settle_status(conn, m, order_id)
    availability.changed(conn, m, touched)


def _selected(act: str, rows: Sequence[Any], lines: list[LineChange] | None) -> list[tuple[Any, LineChange]]:
    if lines is None:
        chosen = []
        for row in rows:
            open_qty = _open_for(act, row)
            if open_qty > 0:
                chosen.append((row, LineChange(row.sku, open_qty)))
        return chosen
    picked = []
    for i, change in enumerate(lines):
        match = next((r for r in rows if r.sku == change.sku and _open_for(act, r) > 0), None)
        match = match or next((r for r in rows if r.sku == change.sku), None)
        if match is None:
            raise NotFound(f"the order has no line for {change.sku!r}", field=f"lines[{i}].sku")
        picked.append((match, change))
    return picked


def _open_for(act: str, row: Any) -> int:
    if act == "return":
        return int(row.fulfilled) - int(row.returned)
    return int(row.quantity) - int(row.fulfilled) - int(row.cancelled)


def _units(conn: Connection, m: int, row: Any) -> list[tuple[int, int]]:
    """``(variant, per line unit)`` the line holds: itself, its substitute, or its components when
    booked as parts."""
    booked_as = {
        int(v)
        for v in conn.execute(
            select(bookings.c.variant_id)
            .where(bookings.c.merchant_id == m, bookings.c.order_line_id == row.id)
            .union(
                select(backorders.c.variant_id).where(
                    backorders.c.merchant_id == m, backorders.c.order_line_id == row.id
                )
            )
        ).scalars()
    }
    if not booked_as or booked_as == {int(row.variant_id)}:
        return [(int(row.variant_id), 1)]
    ls = line_substitutions.c
    swapped = conn.execute(
        select(ls.variant_id, ls.ratio).where(ls.merchant_id == m, ls.order_line_id == row.id)
    ).first()
    if swapped is not None:  # shipped as a substitute: ratio of it per unit ordered
        return [(int(swapped.variant_id), int(swapped.ratio))]
    parts = conn.execute(
        select(bundle_components.c.component_id, bundle_components.c.quantity).where(
            bundle_components.c.merchant_id == m, bundle_components.c.bundle_id == row.variant_id
        )
    ).all()
    return [(int(c), int(q)) for c, q in parts]


def _shippable(booked: dict[int, list[Any]], units: list[tuple[int, int]]) -> int:
    """Whole line units of ``booked`` not yet shipped nor released (a bundle: the fewest its parts cover)."""
    return min(
        sum(int(bk.quantity) - int(bk.shipped) - int(bk.released) for bk in booked[v]) // per for v, per in units
    )


def _open_bookings(conn: Connection, m: int, row: Any, variant: int, newest_first: bool = False) -> list[Any]:
    """The line's bookings of ``variant`` with units still open (``merchant_id`` leads: the index is
    (merchant, line))."""
    b = bookings.c
    order = b.id.desc() if newest_first else b.id
    return list(
        conn.execute(
            select(bookings)
            .where(
                b.merchant_id == m,
                b.order_line_id == row.id,
                b.variant_id == variant,
                b.quantity - b.shipped - b.released > 0,
            )
            .order_by(order)
        )
    )


def _fulfil(
    conn: Connection,
    m: int,
    row: Any,
    units: list[tuple[int, int]],
    change: LineChange,
    meta: LineMeta,
    where: str,
    touched: set[int],
    open_of: dict[int, list[Any]] | None = None,
) -> None:
    """Ship ``change`` of the line; ``open_of``: each unit's open bookings, when just read."""
    if change.quantity > _open_for("fulfil", row):
        raise InvalidInput(f"only {_open_for('fulfil', row)} of {row.sku} left to fulfil", field=f"{where}.quantity")
    at = location_id(conn, m, change.location, field=f"{where}.location") if change.location else None
    for variant, per in units:
        left = change.quantity * per
        open_now = open_of[variant] if open_of is not None else _open_bookings(conn, m, row, variant)
        candidates = [bk for bk in open_now if at is None or bk.location_id == at]
        booked = sum(int(bk.quantity) - int(bk.shipped) - int(bk.released) for bk in candidates)
        if booked < left:
            raise InvalidInput(
                f"only {booked // per} of {row.sku} are booked{' there' if at else ''}: the rest is "
                "still owed (backordered)",
                field=f"{where}.quantity",
            )
        for bk in candidates:
            q = min(left, int(bk.quantity) - int(bk.shipped) - int(bk.released))
            key = {
                "merchant_id": m,
                "variant_id": variant,
                "location_id": int(bk.location_id),
                "inventory_type_id": int(bk.inventory_type_id),
            }
            for lot, lot_q in plan_fefo(lots_at(conn, key), q):
                line = LedgerLine(
                    MovementKind.SHIP, variant, int(bk.location_id), int(bk.inventory_type_id), lot, -lot_q, -lot_q
                )
                apply_line(conn, line, _for_line(meta, row), Guard.NON_NEGATIVE)
            conn.execute(update(bookings).where(bookings.c.id == bk.id).values(shipped=bookings.c.shipped + q))
            left -= q
            if left == 0:
                break
        touched.add(variant)
    conn.execute(
        update(order_lines)
        .where(order_lines.c.id == row.id)
        .values(fulfilled=order_lines.c.fulfilled + change.quantity)
    )


def _cancel(
    conn: Connection,
    m: int,
    row: Any,
    units: list[tuple[int, int]],
    quantity: int,
    meta: LineMeta,
    where: str,
    touched: set[int],
) -> None:
    if quantity > _open_for("cancel", row):
        raise InvalidInput(f"only {_open_for('cancel', row)} of {row.sku} left to cancel", field=f"{where}.quantity")
    for variant, per in units:
        left = quantity * per
        bo = backorders.c
        for owed in conn.execute(
            select(backorders)
            .where(
                bo.merchant_id == m,
                bo.order_line_id == row.id,
                bo.variant_id == variant,
                bo.quantity - bo.allocated - bo.cancelled > 0,
            )
            .order_by(bo.id.desc())
        ).all():
            q = _claim_cancel(
                conn, owed.id, min(left, int(owed.quantity) - int(owed.allocated) - int(owed.cancelled)), left
            )
            left -= q
            if left == 0:
                break
        for bk in _open_bookings(conn, m, row, variant, newest_first=True):
            if left == 0:
                break
            q = min(left, int(bk.quantity) - int(bk.shipped) - int(bk.released))
            line = LedgerLine(MovementKind.RELEASE, variant, int(bk.location_id), int(bk.inventory_type_id), "", 0, -q)
            apply_line(conn, line, _for_line(meta, row), Guard.NON_NEGATIVE)
            conn.execute(update(bookings).where(bookings.c.id == bk.id).values(released=bookings.c.released + q))
            purchasing.release(conn, m, int(bk.id), q)  # a supplier asked to ship it is told (or its draft amended)
            left -= q
        touched.add(variant)
    conn.execute(
        update(order_lines).where(order_lines.c.id == row.id).values(cancelled=order_lines.c.cancelled + quantity)
    )


def _claim_cancel(conn: Connection, backorder_id: int, q: int, left: int) -> int:
    """Cancel ``q`` owed units with a guarded claim; if arriving stock allocated some meanwhile (the
    backorder listener, another transaction), take what is still owed now. Returns the units cancelled."""
    bo = backorders.c
    for _ in range(3):
        if q <= 0:
            return 0
        hit = conn.execute(
            update(backorders)
            .where(bo.id == backorder_id, bo.quantity - bo.allocated - bo.cancelled >= q)
            .values(cancelled=bo.cancelled + q)
        ).rowcount
        if hit:
            return q
        still = conn.execute(select(bo.quantity - bo.allocated - bo.cancelled).where(bo.id == backorder_id)).scalar()
        q = min(left, int(still or 0))
    return 0


def _return(
    conn: Connection,
    m: int,
    row: Any,
    units: list[tuple[int, int]],
    change: LineChange,
    meta: LineMeta,
    where: str,
    touched: set[int],
) -> None:
    if change.quantity > _open_for("return", row):
        raise InvalidInput(
            f"only {_open_for('return', row)} of {row.sku} were shipped and not returned", field=f"{where}.quantity"
        )
    type_id = inventory_type_id(conn, m, change.inventory_type or "good", field=f"{where}.inventory_type")
    for variant, per in units:
        if change.location:
            at = location_id(conn, m, change.location, field=f"{where}.location")
        else:  # back where it was shipped from
            shipped_from = conn.execute(
                select(bookings.c.location_id)
                .where(
                    bookings.c.merchant_id == m,
                    bookings.c.order_line_id == row.id,
                    bookings.c.variant_id == variant,
                    bookings.c.shipped > 0,
                )
                .order_by(bookings.c.id)
            ).scalar()
            if shipped_from is None:
                raise InvalidInput(
                    "nothing of this line was shipped from a location: name one", field=f"{where}.location"
                )
            at = int(shipped_from)
        line = LedgerLine(MovementKind.RETURN, variant, at, type_id, "", change.quantity * per, 0)
        apply_line(conn, line, _for_line(meta, row))
        touched.add(variant)
    conn.execute(
        update(order_lines).where(order_lines.c.id == row.id).values(returned=order_lines.c.returned + change.quantity)
    )


def _for_line(meta: LineMeta, row: Any) -> LineMeta:
    return LineMeta(**{**meta.__dict__, "order_line_id": int(row.id)})


def _settle_status(conn: Connection, m: int, order_id: int) -> None:
    rows = conn.execute(
        select(order_lines.c.quantity, order_lines.c.fulfilled, order_lines.c.cancelled).where(
            order_lines.c.merchant_id == m, order_lines.c.order_id == order_id
        )
    ).all()
    if all(int(f) + int(c) >= int(q) for q, f, c in rows):
        status = "cancelled" if all(int(f) == 0 for _q, f, _c in rows) else "fulfilled"
    else:
        status = "open"
    conn.execute(update(orders).where(orders.c.id == order_id).values(status=status, updated_at=db_time(utcnow())))


def ship_booked(
    conn: Connection,
    scope: Scope,
    order_id: int,
    order_line_id: int,
    shipped: dict[int, int],
    location: str,
    where: str,
    reason: str | None = None,
) -> tuple[str, int]:
    """Ship, in the caller's transaction, the units of one order line booked at ``location`` that a
    supplier shipped: ``shipped`` is units per booked variant (a bundle's components, each × its
    quantity per bundle). Returns the line's own units shipped; a bundle's parts must make whole
    bundles (refused naming ``where``). Returns the line's SKU and its own units shipped."""
    m = scope.merchant_id
    if conn.execute(_LOCK_ORDER[conn.dialect.name == "postgresql"], {"m": m, "id": order_id}).first() is None:
        raise NotFound(f"no order {order_id}", field="id")
    row = conn.execute(
        select(order_lines, variants.c.sku)
        .join(variants, variants.c.id == order_lines.c.variant_id)
        .where(order_lines.c.merchant_id == m, order_lines.c.id == order_line_id)
    ).one()
    units = _units(conn, m, row)
    wholes = {shipped.get(v, 0) // per if shipped.get(v, 0) % per == 0 else -1 for v, per in units}
    if len(wholes) != 1 or -1 in wholes or set(shipped) - {v for v, _ in units}:
        raise InvalidInput(f"line {row.line_no} ({row.sku}) ships whole: every part in its proportion", field=where)
    quantity = wholes.pop()
    meta = LineMeta(m, db_time(utcnow()), scope.actor, reason=reason, reference=f"order:{order_id}")
    touched: set[int] = set()
    _fulfil(conn, m, row, units, LineChange(str(row.sku), quantity, location=location), meta, where, touched)
    _settle_status(conn, m, order_id)
    availability.changed(conn, m, touched)
    return str(row.sku), quantity


apply_change = _change  # for other services composing acts in one transaction (a channel refund)
