"""The booking store on PostgreSQL: the read in one round trip, a batch's writes in ONE statement.

**Read.** The variants named (by SKU) with their free stock at the places asked, the digest of
the channels' facts in the same snapshot (:data:`DIGEST_SQL`), and which orders are recorded
already, pipelined (:func:`adapters.db.together.fetch_together`: one wait, ``BEGIN`` included when
the read opens the transaction). Names found by no SKU (barcodes) and bundles' components take one
more statement each, only when there are any. With ``lock``, the levels are then read again
``FOR UPDATE`` in the global lock order.

**Write.** Everything a batch writes is one statement (:data:`STATEMENT`) of data-modifying
``WITH`` parts fed by one array per column, each packed whole (:mod:`adapters.db.packed`):

1. ``o``: the orders, rows inserted in (channel, external id) order — the unique key's, so two
   batches holding the same orders wait for each other instead of deadlocking — ids drawn in batch
   order. A plain ``INSERT``: an order recorded meanwhile (a racing delivery, which PostgreSQL waits
   for) breaks the unique key and the write is a :class:`Missed` (``recorded``);
2. ``l``, ``mv``, ``bk``: the lines, the ``book`` movements and the bookings, each after the part
   before it (a data dependency: an always-true count of the part before). Every insert is over
   **before a level is locked**, so a batch holds its row locks only for the guarded update and the
   commit;
3. ``want``, ``locked``, ``hit``: the takes summed per level, the row locks in the global order,
   then ``booked + q`` only where ``on_hand - (booked + q) >= 0`` (:data:`GUARDED_SET`);
4. ``ok``: every level hit; else :class:`Missed` (``levels``), and the transaction rolls back.

A plan made without reading is checked in the same statement (:data:`CHECKED`): each (variant, SKU)
pair it planned on still names a tracked variant that is no bundle and has no supplier choice rule of
its own, and the channels' facts still
have the digest it planned with. The availability listeners' reads go after the statement in the
same round trip (``along``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from truecount.adapters.db.packed import bools, int4s, int8s, texts
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.domain.booking.view import Place, VariantFacts

from .port import Batch, Missed, NewOrders, Scope, StockRead, Written

_PARTS = """
SELECT md5(concat_ws('|',
    coalesce((SELECT string_agg(c::text, ',' ORDER BY c.id) FROM channels c
              WHERE c.merchant_id = %(m)s AND c.code = ANY(%(codes)s::varchar[])), ''),
    coalesce((SELECT string_agg(x::text, ',' ORDER BY x.channel_id, x.inventory_type_id)
              FROM channel_inventory_types x JOIN channels c ON c.id = x.channel_id
              WHERE c.merchant_id = %(m)s AND c.code = ANY(%(codes)s::varchar[])), ''),
    coalesce((SELECT string_agg(x::text, ',' ORDER BY x.channel_id, x.location_id)
              FROM channel_locations x JOIN channels c ON c.id = x.channel_id
              WHERE c.merchant_id = %(m)s AND c.code = ANY(%(codes)s::varchar[])), ''),
    coalesce((SELECT string_agg(t::text, ',' ORDER BY t.id) FROM inventory_types t WHERE t.merchant_id = %(m)s), ''),
    coalesce((SELECT string_agg(l::text, ',' ORDER BY l.id) FROM locations l WHERE l.merchant_id = %(m)s), '')
))"""
# Each part keeps its place when empty (coalesce): concat_ws skips NULLs, and a channel with types
# but no locations would otherwise digest like one with those rows as locations.
DIGEST_SQL = f"({_PARTS.strip()})"
"""The md5 of every row the channels' facts are read from (the channels ``codes``, their types and
locations, the merchant's inventory types and locations), as a driver-level expression
(parameters ``m`` and ``codes``, a packed text array)."""

_FREE_AT = """s.location_id = ANY(%(locs)s::bigint[]) AND s.inventory_type_id = ANY(%(types)s::bigint[])"""
_BY_SKU = f"""SELECT x.sku, x.id, x.tracked, x.is_bundle, x.supplier_choice, x.location_id, x.inventory_type_id,
    x.free, d.digest
FROM (SELECT {DIGEST_SQL} AS digest) d
LEFT JOIN (
    SELECT v.sku, v.id, v.tracked, v.is_bundle, v.supplier_choice, s.location_id, s.inventory_type_id,
        s.on_hand - s.booked AS free
    FROM variants v
    LEFT JOIN stock_levels s ON s.merchant_id = v.merchant_id AND s.variant_id = v.id AND {_FREE_AT}
        AND s.on_hand > s.booked
    WHERE v.merchant_id = %(m)s AND v.sku = ANY(%(skus)s::varchar[])
) x ON true"""
_RECORDED = """SELECT o.channel_id, o.external_id, o.id
FROM orders o
JOIN unnest(%(k_channel)s::bigint[], %(k_external)s::varchar[]) AS k(channel_id, external_id)
    ON o.channel_id = k.channel_id AND o.external_id = k.external_id
WHERE o.merchant_id = %(m)s"""
_BY_BARCODE = """SELECT b.code, v.sku, v.id, v.tracked, v.is_bundle, v.supplier_choice
FROM barcodes b JOIN variants v ON v.id = b.variant_id
WHERE b.merchant_id = %(m)s AND b.code = ANY(%(names)s::varchar[])"""
_COMPONENTS = """SELECT bundle_id, component_id, quantity FROM bundle_components
WHERE merchant_id = %(m)s AND bundle_id = ANY(%(vids)s::bigint[])
ORDER BY bundle_id, component_id"""
_FREE = f"""SELECT s.variant_id, s.location_id, s.inventory_type_id, s.on_hand - s.booked
FROM stock_levels s
WHERE s.merchant_id = %(m)s AND s.variant_id = ANY(%(vids)s::bigint[]) AND {_FREE_AT}"""
_FREE_LOCKED = f"{_FREE}\nORDER BY s.variant_id, s.location_id, s.inventory_type_id\nFOR UPDATE OF s"


class PostgresStore:
    def read(self, conn: Connection, m: int, names: set[str], where: Scope, *, lock: bool = False) -> StockRead:
        base = {"m": m, "locs": int8s(list(where.locations)), "types": int8s(list(where.types))}
        reads: list[Statement] = [(_BY_SKU, {**base, "skus": texts(sorted(names)), "codes": texts(list(where.codes))})]
        if where.keys:
            channel_ids, externals = zip(*where.keys, strict=True)
            reads.append((_RECORDED, {"m": m, "k_channel": int8s(channel_ids), "k_external": texts(externals)}))
        rows, *recorded_rows = fetch_together(conn, reads)
        variants: dict[str, VariantFacts] = {}
        free: dict[int, dict[Place, int]] = {}
        digests: set[str] = set()
        for sku, vid, tracked, is_bundle, rule, loc, itype, available, digest in rows:
            digests.add(str(digest))
            if sku is None:  # no variant has any of these SKUs: the row carries the digest alone
                continue
            if sku not in variants:
                variants[sku] = VariantFacts(int(vid), str(sku), bool(tracked), bool(is_bundle), rule=rule)
            if loc is not None:
                free.setdefault(int(vid), {})[(int(loc), int(itype))] = int(available)
        more: set[int] = set()
        unnamed = names - variants.keys()
        if unnamed:
            for code, sku, vid, tracked, is_bundle, rule in conn.exec_driver_sql(
                _BY_BARCODE, {"m": m, "names": texts(sorted(unnamed))}
            ):
                variants[str(code)] = VariantFacts(int(vid), str(sku), bool(tracked), bool(is_bundle), rule=rule)
                more.add(int(vid))
        bundles = sorted({v.id for v in variants.values() if v.bundle})
        if bundles:
            parts: dict[int, list[tuple[int, int]]] = {}
            for bundle, component, per in conn.exec_driver_sql(_COMPONENTS, {"m": m, "vids": int8s(bundles)}):
                parts.setdefault(int(bundle), []).append((int(component), int(per)))
                more.add(int(component))
            for name, v in list(variants.items()):
                if v.bundle:
                    variants[name] = VariantFacts(v.id, v.sku, v.tracked, True, tuple(parts.get(v.id, ())), v.rule)
        if lock:  # every level again, locked in the global order: what is free now, and stays so
            more |= {v.id for v in variants.values()}
            free.clear()
        if more:
            sql = _FREE_LOCKED if lock else _FREE
            for vid, loc, itype, available in conn.exec_driver_sql(sql, {**base, "vids": int8s(sorted(more))}):
                if available > 0:
                    free.setdefault(int(vid), {})[(int(loc), int(itype))] = int(available)
        recorded = {(int(c), str(e)): int(i) for c, e, i in (recorded_rows[0] if recorded_rows else [])}
        return StockRead(variants, free, recorded, digests.pop() if len(digests) == 1 else None)

    def write(self, conn: Connection, batch: Batch) -> tuple[Written, list[Rows]]:
        orders, checks, along = batch.orders, batch.checks, batch.along
        if not orders:
            return Written([], []), fetch_together(conn, along)
        params = parameters(batch.m, batch.actor, orders, batch.now)
        if checks is not None:
            params |= {
                "c_variant": int8s(list(checks.skus.values())), "c_sku": texts(list(checks.skus)),
                "codes": texts(list(checks.codes)), "digest": checks.digest,
            }  # fmt: skip
        try:
            answer, *rows = fetch_together(conn, [(STATEMENT if checks is None else CHECKED, params), *along])
        except IntegrityError as error:
            if getattr(getattr(error.orig, "diag", None), "constraint_name", None) == _UNIQUE_ORDER:
                raise Missed("an order of the batch was recorded meanwhile", recorded=True) from error
            raise
        ((ok, order_ids, line_ids, *checked),) = answer
        if checks is not None and not all(checked):
            named, same_facts = checked
            raise Missed("a plan made without reading did not hold", levels=not ok, names=not named,
                         facts=not same_facts)  # fmt: skip
        if not ok:
            raise Missed("stock moved since it was read: a level was not hit", levels=True)
        return Written(list(order_ids), orders.line_ids(line_ids)), rows


POSTGRES = PostgresStore()

_UNIQUE_ORDER = "uq_orders_merchant_channel_external"

# The orders: ids drawn in batch order (o_in is materialized first), rows inserted in the unique key's order.
_ORDERS_IN = """o_in AS MATERIALIZED (
    SELECT nextval('orders_id_seq') AS id, x.*
    FROM unnest(%(o_channel)b::bigint[], %(o_external)b::varchar[], %(o_strict)b::boolean[])
        WITH ORDINALITY AS x(channel_id, external_id, strict, n)
)"""
_INSERT_ORDERS = """INSERT INTO orders
        (id, merchant_id, channel_id, external_id, strict, status, created_at, updated_at)
    SELECT id, %(m)b, channel_id, external_id, strict, 'open', %(now)b, %(now)b FROM o_in
    ORDER BY channel_id, external_id"""

GUARDED_SET = """locked AS (
    SELECT s.variant_id, s.location_id, s.inventory_type_id, w.quantity
    FROM stock_levels s
    JOIN want w ON (s.variant_id, s.location_id, s.inventory_type_id)
                 = (w.variant_id, w.location_id, w.inventory_type_id)
    WHERE s.merchant_id = %(m)b
    ORDER BY s.variant_id, s.location_id, s.inventory_type_id
    FOR UPDATE OF s
), hit AS (
    UPDATE stock_levels s SET booked = s.booked + k.quantity
    FROM locked k
    WHERE s.merchant_id = %(m)b
      AND (s.variant_id, s.location_id, s.inventory_type_id) = (k.variant_id, k.location_id, k.inventory_type_id)
      AND s.on_hand - (s.booked + k.quantity) >= 0
      AND s.booked + k.quantity >= 0
    RETURNING 1
)"""
"""The guarded update for many levels: ``locked`` takes the row locks in the global order (its FOR
UPDATE sits above its sort), carrying each level's quantity, and ``hit`` updates only the rows it
locked, joined on the key alone (joining ``want`` again was planned as a nested loop over it). A row
another transaction changed meanwhile is re-read and the guard re-checked on its newest version."""

STATEMENT = f"""
WITH {_ORDERS_IN}, o AS (
    {_INSERT_ORDERS}
    RETURNING 1
), l_in AS MATERIALIZED (
    SELECT nextval('order_lines_id_seq') AS id, x.*
    FROM unnest(%(l_n)b::integer[], %(l_line)b::integer[], %(l_variant)b::bigint[], %(l_quantity)b::bigint[])
        WITH ORDINALITY AS x(n, line_no, variant_id, quantity, k)
), ids AS (
    SELECT (SELECT array_agg(id ORDER BY n) FROM o_in) AS orders,
           (SELECT array_agg(id ORDER BY k) FROM l_in) AS lines
), t AS (
    SELECT * FROM unnest(%(t_n)b::integer[], %(t_k)b::integer[], %(t_variant)b::bigint[],
                         %(t_location)b::bigint[], %(t_type)b::bigint[], %(t_quantity)b::bigint[],
                         %(t_reference)b::varchar[])
        AS t(n, k, variant_id, location_id, inventory_type_id, quantity, reference)
), l AS (  -- each "count(*) >= 0" below is always true: it makes the part before run first
    INSERT INTO order_lines (id, merchant_id, order_id, line_no, variant_id, quantity, fulfilled, cancelled, returned)
    SELECT l_in.id, %(m)b, (SELECT orders FROM ids)[l_in.n], l_in.line_no, l_in.variant_id, l_in.quantity, 0, 0, 0
    FROM l_in
    WHERE (SELECT count(*) FROM o) >= 0
    ORDER BY l_in.k
    RETURNING 1
), mv AS (
    INSERT INTO movements (merchant_id, at, actor, kind, variant_id, location_id, inventory_type_id, lot,
                           on_hand_delta, booked_delta, reference, order_line_id)
    SELECT %(m)b, %(now)b, %(actor)b, 'book', t.variant_id, t.location_id, t.inventory_type_id, '', 0, t.quantity,
           t.reference, (SELECT lines FROM ids)[t.k]
    FROM t
    WHERE (SELECT count(*) FROM l) >= 0
    RETURNING 1
), bk AS (
    INSERT INTO bookings (merchant_id, order_line_id, variant_id, location_id, inventory_type_id, quantity,
                          shipped, released, created_at)
    SELECT %(m)b, (SELECT lines FROM ids)[t.k], t.variant_id, t.location_id, t.inventory_type_id, t.quantity,
           0, 0, %(now)b
    FROM t
    WHERE (SELECT count(*) FROM mv) >= 0
    RETURNING 1
), want AS (
    SELECT variant_id, location_id, inventory_type_id, sum(quantity)::bigint AS quantity
    FROM t
    WHERE (SELECT count(*) FROM bk) >= 0
    GROUP BY variant_id, location_id, inventory_type_id
), {GUARDED_SET}, ok AS (
    SELECT (SELECT count(*) FROM hit) = (SELECT count(*) FROM want) AS yes
)
SELECT (SELECT yes FROM ok), (SELECT orders FROM ids), (SELECT lines FROM ids){{checks}}
"""
_CHECKS = f""",
    (SELECT count(*) FROM variants v
     JOIN unnest(%(c_variant)b::bigint[], %(c_sku)b::varchar[]) AS x(id, sku) ON v.id = x.id
     WHERE v.merchant_id = %(m)b AND v.sku = x.sku AND v.tracked AND NOT v.is_bundle AND v.supplier_choice IS NULL)
        = cardinality(%(c_variant)b::bigint[]),
    {DIGEST_SQL.replace("%(m)s", "%(m)b").replace("%(codes)s", "%(codes)b")} = %(digest)b"""


def _compact(sql: str) -> str:
    """``sql`` without its comments, every run of whitespace one space, none after an opening
    parenthesis or a comma nor before a closing one (no literal here holds any of these): psycopg
    converts a statement's placeholders once and keeps the result only for statements of at most
    4 KiB, so the checked statement, 4.7 KiB as written, was parsed again on every call (about a
    millisecond of CPU a group)."""
    spaced = re.sub(r"\s+", " ", re.sub(r"--[^\n]*", "", sql))
    return re.sub(r"(?<=[(,]) | (?=\))", "", spaced).strip()


CHECKED = _compact(STATEMENT.replace("{checks}", _CHECKS))
STATEMENT = _compact(STATEMENT.replace("{checks}", ""))


def parameters(m: int, actor: str, orders: NewOrders, now: datetime) -> dict[str, Any]:
    """:data:`STATEMENT`'s parameters: each of ``orders``' columns packed whole. (The benchmark also
    sends the statement raw, to measure what the server alone costs.)"""
    references = orders.references
    t_reference = [references[n - 1] for n in orders.take_order]
    return {
        "m": m, "now": now, "actor": actor, "t_reference": texts(t_reference),
        "o_channel": int8s(orders.channel_ids), "o_external": texts(orders.external_ids),
        "o_strict": bools(orders.strict), "l_n": int4s(orders.line_order), "l_line": int4s(orders.line_no),
        "l_variant": int8s(orders.line_variant), "l_quantity": int8s(orders.line_quantity),
        "t_n": int4s(orders.take_order), "t_k": int4s(orders.take_line), "t_variant": int8s(orders.take_variant),
        "t_location": int8s(orders.take_location), "t_type": int8s(orders.take_type),
        "t_quantity": int8s(orders.take_quantity),
    }  # fmt: skip
