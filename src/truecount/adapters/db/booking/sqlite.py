"""The booking store on SQLite: set-based statements (in-process: no round trips to save).

SQLite has one writer at a time (``BEGIN IMMEDIATE``), so what the read finds is what the write
meets; the guarded update still checks every level. The read is a few statements whatever the
batch's size (lists go in parts of :data:`CHUNK` values); the write is: the orders, the lines,
the guarded update once per level for the batch's total there (in the global lock order), the
``book`` movements and the bookings — each one multi-row statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, tuple_, update

from truecount.adapters.db.bulk import insert_many
from truecount.adapters.db.tables.catalog import barcodes, bundle_components, variants
from truecount.adapters.db.tables.ledger import movements, stock_levels
from truecount.adapters.db.tables.orders import bookings, order_lines, orders
from truecount.adapters.db.together import Rows, fetch_together
from truecount.domain.booking.view import Place, VariantFacts

from .port import Batch, Missed, NewOrders, Scope, StockRead, Written

CHUNK = 500  # values per statement: SQLite sends a list as one placeholder per value


def _parts(items: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(items))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


_v, _s, _b, _bc, _o = variants.c, stock_levels.c, barcodes.c, bundle_components.c, orders.c
_BY_SKU = select(_v.sku.label("name"), _v.sku, _v.id, _v.tracked, _v.is_bundle, _v.supplier_choice).where(
    _v.merchant_id == bindparam("m"), _v.sku.in_(bindparam("names", expanding=True))
)
_BY_BARCODE = (
    select(_b.code, _v.sku, _v.id, _v.tracked, _v.is_bundle, _v.supplier_choice)
    .join(variants, _v.id == _b.variant_id)
    .where(_b.merchant_id == bindparam("m"), _b.code.in_(bindparam("names", expanding=True)))
)
_COMPONENTS = (
    select(_bc.bundle_id, _bc.component_id, _bc.quantity)
    .where(_bc.merchant_id == bindparam("m"), _bc.bundle_id.in_(bindparam("vids", expanding=True)))
    .order_by(_bc.bundle_id, _bc.component_id)
)
_FREE = select(_s.variant_id, _s.location_id, _s.inventory_type_id, _s.on_hand - _s.booked).where(
    _s.merchant_id == bindparam("m"),
    _s.variant_id.in_(bindparam("vids", expanding=True)),
    _s.location_id.in_(bindparam("locs", expanding=True)),
    _s.inventory_type_id.in_(bindparam("types", expanding=True)),
    _s.on_hand > _s.booked,
)
_RECORDED = select(_o.channel_id, _o.external_id, _o.id).where(
    _o.merchant_id == bindparam("m"), tuple_(_o.channel_id, _o.external_id).in_(bindparam("keys", expanding=True))
)
_BOOK = (
    update(stock_levels)
    .where(
        _s.merchant_id == bindparam("k_m"),
        _s.variant_id == bindparam("k_v"),
        _s.location_id == bindparam("k_l"),
        _s.inventory_type_id == bindparam("k_t"),
        _s.on_hand - (_s.booked + bindparam("q")) >= 0,
    )
    .values(booked=_s.booked + bindparam("q"))
)


class SqliteStore:
    def read(self, conn: Connection, m: int, names: set[str], where: Scope, *, lock: bool = False) -> StockRead:
        variants_found: dict[str, VariantFacts] = {}
        for query, todo in ((_BY_SKU, names), (_BY_BARCODE, None)):
            todo = todo if todo is not None else names - variants_found.keys()
            for part in _parts(todo):
                for name, sku, vid, tracked, is_bundle, rule in conn.execute(query, {"m": m, "names": part}):
                    variants_found[str(name)] = VariantFacts(
                        int(vid), str(sku), bool(tracked), bool(is_bundle), rule=rule
                    )
        vids = {v.id for v in variants_found.values()}
        bundles = sorted({v.id for v in variants_found.values() if v.bundle})
        if bundles:
            parts: dict[int, list[tuple[int, int]]] = {}
            for bundle, component, per in conn.execute(_COMPONENTS, {"m": m, "vids": bundles}):
                parts.setdefault(int(bundle), []).append((int(component), int(per)))
                vids.add(int(component))
            for name, v in list(variants_found.items()):
                if v.bundle:
                    variants_found[name] = VariantFacts(
                        v.id, v.sku, v.tracked, True, tuple(parts.get(v.id, ())), v.rule
                    )
        free: dict[int, dict[Place, int]] = {}
        places = {"m": m, "locs": list(where.locations), "types": list(where.types)}
        for part in _parts(vids):
            for vid, loc, itype, available in conn.execute(_FREE, {**places, "vids": part}):
                free.setdefault(int(vid), {})[(int(loc), int(itype))] = int(available)
        recorded: dict[tuple[int, str], int] = {}
        for part in _parts(where.keys):
            for channel_id, external_id, order_id in conn.execute(_RECORDED, {"m": m, "keys": part}):
                recorded[(int(channel_id), str(external_id))] = int(order_id)
        return StockRead(variants_found, free, recorded)

    def write(self, conn: Connection, batch: Batch) -> tuple[Written, list[Rows]]:
        m, orders = batch.m, batch.orders
        if orders:
            order_ids = self._orders(conn, m, batch.now, orders)
            line_ids = self._lines(conn, m, orders, order_ids)
            self._book(conn, m, orders)
            self._ledger(conn, m, batch.actor, batch.now, orders, line_ids)
            return Written(order_ids, orders.line_ids(line_ids)), fetch_together(conn, batch.along)
        return Written([], []), fetch_together(conn, batch.along)

    def _orders(self, conn: Connection, m: int, now: datetime, new: NewOrders) -> list[int]:
        keys = list(zip(new.channel_ids, new.external_ids, strict=True))
        rows = [
            {"merchant_id": m, "channel_id": channel_id, "external_id": external_id, "strict": strict,
             "status": "open", "created_at": now, "updated_at": now}
            for (channel_id, external_id), strict in zip(keys, new.strict, strict=True)
        ]  # fmt: skip
        ids = {
            (int(c), str(e)): int(i)
            for c, e, i in insert_many(conn, orders, rows, returning=("channel_id", "external_id", "id"))
        }
        return [ids[key] for key in keys]

    def _lines(self, conn: Connection, m: int, new: NewOrders, order_ids: list[int]) -> list[int]:
        """The lines' ids, in column order."""
        keys = [(order_ids[n - 1], number) for n, number in zip(new.line_order, new.line_no, strict=True)]
        rows = [
            {"merchant_id": m, "order_id": order_id, "line_no": number, "variant_id": vid, "quantity": q,
             "fulfilled": 0, "cancelled": 0, "returned": 0}
            for (order_id, number), vid, q in zip(keys, new.line_variant, new.line_quantity, strict=True)
        ]  # fmt: skip
        returned = insert_many(conn, order_lines, rows, returning=("order_id", "line_no", "id"))
        ids = {(int(o), int(n)): int(i) for o, n, i in returned}
        return [ids[key] for key in keys]

    def _book(self, conn: Connection, m: int, new: NewOrders) -> None:
        """The guarded update once per level, for the batch's total there, in the global lock order."""
        totals: dict[tuple[int, int, int], int] = {}
        for level, q in zip(_levels(new), new.take_quantity, strict=True):
            totals[level] = totals.get(level, 0) + q
        if not totals:
            return
        params = [{"k_m": m, "k_v": v, "k_l": loc, "k_t": t, "q": q} for (v, loc, t), q in sorted(totals.items())]
        if int(conn.execute(_BOOK, params).rowcount) != len(params):
            raise Missed("a level did not hold what the plan took", levels=True)

    def _ledger(self, conn: Connection, m: int, actor: str, now: datetime, new: NewOrders, line_ids: list[int]) -> None:
        """A ``book`` movement and a booking per take (each order's takes in the global lock order)."""
        moves: list[dict[str, Any]] = []
        holds: list[dict[str, Any]] = []
        takes = zip(new.take_order, new.take_line, _levels(new), new.take_quantity, strict=True)
        for n, k, (vid, loc, itype), q in takes:
            where = {"merchant_id": m, "variant_id": vid, "location_id": loc, "inventory_type_id": itype}
            moves.append(
                {**where, "at": now, "actor": actor, "kind": "book", "lot": "", "on_hand_delta": 0,
                 "booked_delta": q, "counted": None, "reason": None, "reference": new.references[n - 1],
                 "idempotency_key": None, "order_line_id": line_ids[k - 1]}
            )  # fmt: skip
            holds.append(
                {**where, "order_line_id": line_ids[k - 1], "quantity": q, "shipped": 0, "released": 0,
                 "created_at": now}
            )  # fmt: skip
        if moves:
            insert_many(conn, movements, moves)
            insert_many(conn, bookings, holds)


def _levels(new: NewOrders) -> Iterator[tuple[int, int, int]]:
    """Each take's level (variant, location, type)."""
    return zip(new.take_variant, new.take_location, new.take_type, strict=True)


SQLITE = SqliteStore()
