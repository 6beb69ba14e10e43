"""Scan to pick: each scan of a barcode (or SKU) ticks the pick list's first line of that variant
with units still to pick; a variant not on the list, or more than the list still asks, is refused
and nothing is ticked. Picking moves no stock (shipping and completing do)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.picking import pick_list_lines, pick_lists
from truecount.domain.errors import InvalidInput, NotFound
from truecount.domain.ledger import check_quantity
from truecount.domain.picking import PickScan, tick
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import variant_id
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope

from .lists import PickList, pick_list_view


@dataclass(frozen=True, slots=True)
class Picked:
    """A scan ticked: the variant, how many, the lines ticked (numbers) and the list as it stands."""

    sku: str
    quantity: int
    lines: list[int]
    pick_list: PickList
    replayed: bool = False


def scan_pick(db: Database, scope: Scope, cmd: PickScan, key: str | None = None) -> Picked:
    """Tick the scanned units on the pick list (refusals: see the module)."""
    if not cmd.code.strip():
        raise InvalidInput("nothing was scanned", field="code")
    check_quantity(cmd.quantity, field="quantity", max_quantity=scope.max_quantity)
    m = scope.merchant_id
    payload = {"pick": cmd.pick_list, "code": cmd.code, "quantity": cmd.quantity}

    def attempt() -> Picked:
        with db.write() as conn:
            return run_once(conn, m, key, payload, lambda: _scan(conn, m, cmd), Picked)

    return with_retry(attempt)


def _scan(conn: Connection, m: int, cmd: PickScan) -> Picked:
    p = pick_lists.c
    locked = conn.execute(select(p.id).where(p.merchant_id == m, p.id == cmd.pick_list).with_for_update()).first()
    if locked is None:
        raise NotFound(f"no pick list {cmd.pick_list}", field="pick_list")
    vid = variant_id(conn, m, cmd.code.strip(), field="code")
    sku = str(conn.execute(select(variants.c.sku).where(variants.c.id == vid)).scalar_one())
    ln = pick_list_lines.c
    rows = conn.execute(
        select(ln.id, ln.line_no, ln.quantity, ln.picked)
        .where(ln.merchant_id == m, ln.pick_list_id == cmd.pick_list, ln.variant_id == vid)
        .order_by(ln.line_no)
    ).all()
    numbers = {int(r.id): int(r.line_no) for r in rows}
    ticks = tick([(int(r.id), int(r.quantity), int(r.picked)) for r in rows], cmd.quantity, sku, cmd.pick_list)
    for line_id, q in ticks:
        conn.execute(
            update(pick_list_lines).where(ln.id == line_id, ln.picked + q <= ln.quantity).values(picked=ln.picked + q)
        )
    return Picked(sku, cmd.quantity, [numbers[i] for i, _ in ticks], pick_list_view(conn, m, cmd.pick_list))
