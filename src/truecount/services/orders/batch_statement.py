"""A planned batch of orders written in ONE statement (PostgreSQL): the group-commit fast path's writes.

:mod:`batch_booking` plans a batch in Python on one read of the stock. On PostgreSQL, when no
order of the plan is refused, everything it then writes goes to the server as one statement of
data-modifying ``WITH`` parts, fed by one array per column:

1. ``o``: the orders, inserted in (channel, external id) order — the order of the unique key,
   so two batches holding the same orders wait for each other instead of deadlocking — with ids
   drawn in batch order. A plain ``INSERT``: a repeat, or a delivery racing ours (which
   PostgreSQL waits for), breaks the unique key and the statement fails, which
   :func:`write_batch` raises as a miss. (``ON CONFLICT DO NOTHING`` would let the statement go
   on, but its speculative insertion cost 8 of 27 ms for 1,000 orders, for a case that is rare
   in a batch and always ends in a rollback anyway);
2. ``l``, ``mv``, ``bk``: the lines, the ``book`` movements and the bookings, each inserted after
   the part before it (a data dependency the plan keeps: an InitPlan counting the part before,
   always true). Every insert is over **before a level is locked**, so a batch holds its row
   locks only for the guarded update and the commit, not while it writes its rows: concurrent
   batches that share variants wait for each other that much less (measured, the statement sent
   raw at 4 clients, 1,000 orders a call: 18,396 → 24,282 and 22,569 → 25,534 bookings/s);
3. ``want``: the takes summed per level, after the inserts;
4. ``locked`` then ``hit``: the guarded statement for many levels, :data:`ledger.GUARDED_SET` —
   the row locks in the global order, then ``booked + q`` only where ``on_hand - (booked + q) >= 0``;
5. ``ok``: every level hit (every order is in, or the insert failed). When not, :func:`write_batch` raises
   :class:`OneStatementMissed` and the caller's transaction rolls back: the ledger rows the
   statement wrote stand only where the guarded statement hit.

Its parameters go in binary (``%(name)b``), each array packed whole (:mod:`adapters.db.packed`).
One statement instead of six (orders, lines, levels, movements, bookings, and a delete of
refused orders), and no row dictionaries in Python; the availability listeners' reads are sent
after it in the same round trip (:func:`write_batch`'s ``along``). When it misses (an order
recorded before, or stock another transaction took since the read) the caller rolls the
transaction back and books the batch with :mod:`batch_booking`'s statement-by-statement path,
which handles both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from truecount.adapters.db.packed import bools, int4s, int8s, texts
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.domain.allocation import Take
from truecount.services.orders.facts_cache import DIGEST_SQL
from truecount.services.stock.ledger import GUARDED_SET


class OneStatementMissed(Exception):
    """The one statement did not insert every order (one was recorded before, or a racing delivery
    recorded it) or hit every level (stock moved since the read). Raised out of the caller's
    transaction, which must roll back: the statement's rows may already be written."""


class StalePlan(OneStatementMissed):
    """A plan made without reading (:class:`Known`) did not hold: a level was not hit, a SKU no
    longer names its variant, or the channels changed. Plan again on a fresh read."""

    def __init__(self, message: str, *, levels: bool, names: bool) -> None:
        super().__init__(message)
        self.levels, self.names = levels, names


@dataclass(frozen=True)
class Known:
    """What a plan made without reading assumed, for the statement to check: the variant of each
    SKU, and the digest of the channels' facts (codes ``codes``)."""

    skus: dict[str, int]
    codes: tuple[str, ...]
    digest: str


@dataclass
class Planned:
    """One order as planned: its lines' variants and quantities, and each line's takes."""

    channel_id: int
    external_id: str
    strict: bool
    reference: str
    vids: list[int]
    quantities: list[int]
    takes: list[list[Take]]  # per line


@dataclass(frozen=True)
class Written:
    """The ids the statement gave: per order (in batch order) its id and its lines' ids (in line order)."""

    order_ids: list[int]
    line_ids: list[list[int]]


# The orders: ids drawn in batch order (o_in is materialized first), rows inserted in the unique
# key's order. Shared with :data:`INSERT_ORDERS`, the statement-by-statement path's insert.
_ORDERS_IN = """o_in AS MATERIALIZED (
    SELECT nextval('orders_id_seq') AS id, x.*
    FROM unnest(%(o_channel)b::bigint[], %(o_external)b::varchar[], %(o_strict)b::boolean[])
        WITH ORDINALITY AS x(channel_id, external_id, strict, n)
)"""
_INSERT_ORDERS = """INSERT INTO orders
        (id, merchant_id, channel_id, external_id, strict, status, created_at, updated_at)
    SELECT id, %(m)b, channel_id, external_id, strict, 'open', %(now)b, %(now)b FROM o_in
    ORDER BY channel_id, external_id"""
INSERT_ORDERS = f"WITH {_ORDERS_IN}\n{_INSERT_ORDERS}\nON CONFLICT DO NOTHING\nRETURNING channel_id, external_id, id"
_UNIQUE_ORDER = "uq_orders_merchant_channel_external"

STATEMENT = f"""
WITH {_ORDERS_IN}, o AS (
    {_INSERT_ORDERS}
    RETURNING 1
), l_in AS MATERIALIZED (
    SELECT nextval('order_lines_id_seq') AS id, x.*
    FROM unnest(%(l_n)b::integer[], %(l_line)b::integer[], %(l_variant)b::bigint[], %(l_quantity)b::integer[])
        WITH ORDINALITY AS x(n, line_no, variant_id, quantity, k)
), ids AS (
    SELECT (SELECT array_agg(id ORDER BY n) FROM o_in) AS orders,
           (SELECT array_agg(id ORDER BY k) FROM l_in) AS lines
), t AS (
    SELECT * FROM unnest(%(t_n)b::integer[], %(t_k)b::integer[], %(t_variant)b::bigint[],
                         %(t_location)b::bigint[], %(t_type)b::bigint[], %(t_quantity)b::integer[],
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
    SELECT variant_id, location_id, inventory_type_id, sum(quantity)::integer AS quantity
    FROM t
    WHERE (SELECT count(*) FROM bk) >= 0
    GROUP BY variant_id, location_id, inventory_type_id
), {GUARDED_SET}, ok AS (
    SELECT (SELECT count(*) FROM hit) = (SELECT count(*) FROM want) AS yes
)
SELECT (SELECT yes FROM ok), (SELECT orders FROM ids), (SELECT lines FROM ids){{checks}}
"""
# A plan made without reading (:mod:`known_stock`) is checked in the same statement: every
# (variant, SKU) pair it planned on still names a tracked variant that is no bundle, and the
# channels' facts are still those it planned with (their digest, as the stock read checks it).
_CHECKS = f""",
    (SELECT count(*) FROM variants v
     JOIN unnest(%(c_variant)b::bigint[], %(c_sku)b::varchar[]) AS x(id, sku) ON v.id = x.id
     WHERE v.merchant_id = %(m)b AND v.sku = x.sku AND v.tracked AND NOT v.is_bundle)
        = cardinality(%(c_variant)b::bigint[]),
    {DIGEST_SQL} = %(digest)b"""
CHECKED = STATEMENT.replace("{checks}", _CHECKS)
STATEMENT = STATEMENT.replace("{checks}", "")


def write_batch(
    conn: Connection,
    merchant_id: int,
    actor: str,
    planned: list[Planned],
    now: datetime,
    along: Sequence[Statement] = (),
    known: Known | None = None,
) -> tuple[Written, list[Rows]]:
    """Record and book ``planned`` (no order refused) in one statement, in the caller's transaction,
    and run ``along`` (reads) after it in the same round trip (:mod:`adapters.db.together`): what
    it wrote, and the rows of each of ``along``. Raises :class:`OneStatementMissed` when an order
    was recorded before or not every level could be hit: the caller's transaction rolls back.
    ``known``: the plan was made without reading; the statement checks it (:data:`CHECKED`) and a
    miss raises :class:`StalePlan`."""
    if not planned:
        return Written([], []), fetch_together(conn, along)
    params = parameters(merchant_id, actor, planned, now)
    if known is not None:
        params |= {
            "c_variant": int8s(list(known.skus.values())), "c_sku": texts(list(known.skus)),
            "codes": texts(list(known.codes)), "digest": known.digest,
        }  # fmt: skip
    try:
        answer, *rows = fetch_together(conn, [(STATEMENT if known is None else CHECKED, params), *along])
    except IntegrityError as error:
        if getattr(getattr(error.orig, "diag", None), "constraint_name", None) == _UNIQUE_ORDER:
            raise OneStatementMissed("an order of the batch was recorded before") from error
        raise
    ((ok, order_ids, line_ids, *checks),) = answer
    if known is not None and not (ok and all(checks)):
        named, _same_facts = checks
        raise StalePlan("a plan made without reading did not hold", levels=not ok, names=not named)
    if not ok:
        raise OneStatementMissed("stock moved since it was read: a level was not hit")
    if len(line_ids) == len(planned):  # one line an order
        return Written(list(order_ids), [[line_id] for line_id in line_ids]), rows
    lines = iter(line_ids)
    return Written(list(order_ids), [[next(lines) for _ in order.vids] for order in planned]), rows


def insert_orders(
    conn: Connection, merchant_id: int, new: list[tuple[int, str, bool]], now: datetime
) -> list[tuple[int, str, int]]:
    """Insert orders ``(channel id, external id, strict)`` as the one statement does (ids in batch
    order, rows in key order, a repeat skipped); ``(channel id, external id, id)`` of those inserted."""
    channel_ids, externals, stricts = (list(column) for column in zip(*new, strict=True)) if new else ([], [], [])
    params = {
        "m": merchant_id, "now": now, "o_channel": int8s(channel_ids), "o_external": texts(externals),
        "o_strict": bools(stricts),
    }  # fmt: skip
    return [(int(c), str(e), int(i)) for c, e, i in conn.exec_driver_sql(INSERT_ORDERS, params)]


def parameters(merchant_id: int, actor: str, planned: list[Planned], now: datetime) -> dict[str, Any]:
    """:data:`STATEMENT`'s parameters, one array per column, each packed whole (:mod:`adapters.db.packed`).
    The takes of each order go in the global lock order (variant, location, type), so the ``book``
    movements' ids follow it as on the one-order path. (The benchmark also sends the statement raw,
    to measure what the server alone costs.)"""
    o_channel = [order.channel_id for order in planned]
    o_external = [order.external_id for order in planned]
    o_strict = [order.strict for order in planned]
    if all(len(order.vids) == 1 and len(order.takes[0]) == 1 for order in planned):  # the common case, built flat
        l_n = list(range(1, len(planned) + 1))
        l_line = [1] * len(planned)
        l_variant = [order.vids[0] for order in planned]
        l_quantity = [order.quantities[0] for order in planned]
        only = [order.takes[0][0] for order in planned]
        t_n, t_k, t_variant, t_quantity = l_n, l_n, l_variant, [take.quantity for take in only]
        t_location = [take.location_id for take in only]
        t_type = [take.inventory_type_id for take in only]
        t_reference = [order.reference for order in planned]
    else:
        l_n, l_line, l_variant, l_quantity, t_n, t_k, t_variant, t_location, t_type, t_quantity = _columns(planned)
        t_reference = [planned[n - 1].reference for n in t_n]
    return {
        "m": merchant_id, "now": now, "actor": actor, "t_reference": texts(t_reference),
        "o_channel": int8s(o_channel), "o_external": texts(o_external), "o_strict": bools(o_strict),
        "l_n": int4s(l_n), "l_line": int4s(l_line), "l_variant": int8s(l_variant), "l_quantity": int4s(l_quantity),
        "t_n": int4s(t_n), "t_k": int4s(t_k), "t_variant": int8s(t_variant), "t_location": int8s(t_location),
        "t_type": int8s(t_type), "t_quantity": int4s(t_quantity),
    }  # fmt: skip


def _columns(planned: list[Planned]) -> tuple[list[int], ...]:
    """The lines' and the takes' columns of any plan: lines in order, each order's takes in lock order."""
    l_n: list[int] = []
    l_line: list[int] = []
    l_variant: list[int] = []
    l_quantity: list[int] = []
    t_n: list[int] = []
    t_k: list[int] = []
    t_variant: list[int] = []
    t_location: list[int] = []
    t_type: list[int] = []
    t_quantity: list[int] = []
    k = 0
    for n, order in enumerate(planned, start=1):
        takes: list[tuple[int, int, Take]] = []
        for line_no, (vid, quantity, line_takes) in enumerate(
            zip(order.vids, order.quantities, order.takes, strict=True), start=1
        ):
            k += 1
            l_n.append(n)
            l_line.append(line_no)
            l_variant.append(vid)
            l_quantity.append(quantity)
            takes.extend((vid, k, take) for take in line_takes)
        takes.sort(key=lambda item: (item[0], item[2].location_id, item[2].inventory_type_id))
        for vid, line_k, take in takes:
            t_n.append(n)
            t_k.append(line_k)
            t_variant.append(vid)
            t_location.append(take.location_id)
            t_type.append(take.inventory_type_id)
            t_quantity.append(take.quantity)
    return l_n, l_line, l_variant, l_quantity, t_n, t_k, t_variant, t_location, t_type, t_quantity
