"""Set-based booking: a batch of orders in a fixed number of statements (the group-commit fast path).

:func:`orders.record_order` books one order at a time (about twenty statements). For a batch of
plain orders this module does the same work with a handful of statements for the whole batch:

1. the channels' facts and the available stock of every variant at their saleable locations,
   in one read (:mod:`batch_reads`; on PostgreSQL the facts are usually kept from an earlier
   transaction and only checked);
2. a plan in Python (:mod:`batch_plan`), order after order in batch order, on that snapshot (so
   the orders of one batch see what the earlier ones took; a strict order that cannot be covered
   takes nothing and is refused);
3. the writes. On PostgreSQL, when no order is refused, ONE statement (:mod:`batch_statement`);
   otherwise, statement by statement: the orders (one per channel and external id: a repeat, or a
   delivery racing ours, gets no id and is answered as a replay), the refused orders deleted
   again, the lines, the guarded statement ``… WHERE on_hand - booked >= q`` once per level for
   the batch's total there in the global lock order (variant, location, type), then the ``book``
   movements and the bookings in one go each;
4. the listeners, once.

On PostgreSQL a batch may skip step 1: :mod:`known_stock` plans it without reading, and
the one statement checks that plan (a miss raises :class:`batch_statement.StalePlan`; the caller
books the batch again on a fresh read).

Every guarantee of the one-order path holds: a level only moves through the guarded statement,
and the ledger rows are written only when it hits. When anything is off — a level moved between
the read and the guarded statement (someone else booked, on PostgreSQL), a bundle, an unknown
SKU, the same order twice in the batch — it raises :class:`batch_reads.Fallback`; the caller
rolls the transaction back and books the batch order by order in a new one. When the one
statement misses, :class:`batch_statement.OneStatementMissed`: booked again statement by statement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select

from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.bulk import insert_many
from truecount.adapters.db.tables.orders import bookings, order_lines, orders
from truecount.adapters.db.together import Rows
from truecount.domain.commands import PlaceOrder
from truecount.domain.errors import InsufficientStock
from truecount.domain.model import MovementKind
from truecount.services.channels.setup import Channel
from truecount.services.common import availability
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders import known_stock
from truecount.services.orders.backorders import quiet as backorders_quiet
from truecount.services.orders.batch_answers import answers
from truecount.services.orders.batch_plan import BatchOrder, plan_order, sources_of
from truecount.services.orders.batch_reads import ChannelCache, Fallback, chunked, read_batch
from truecount.services.orders.batch_statement import Known, Planned, StalePlan, insert_orders, write_batch
from truecount.services.orders.booking import ChannelFacts, Unit, lock_levels
from truecount.services.stock.ledger import append_movements, book_many

Backorder = Callable[[Connection, int, Channel, int, Unit, int, datetime], None]
Fetched = tuple[availability.Prefetch, list[Rows]]  # the listeners' reads, sent with the one statement


def book_batch(
    conn: Connection,
    scope: Scope,
    cmds: list[PlaceOrder],
    channels: ChannelCache,
    load: Callable[[str], ChannelFacts],
    backorder: Backorder,
    *,
    one_statement: bool = False,
    unread: bool = False,
) -> list[dict[str, Any] | InsufficientStock]:
    """Record and book ``cmds`` in the caller's transaction. One answer per command,
    in order: the order's view, ``{..., "replayed": True}`` for a repeat, or the refusal of a strict
    order that stock cannot cover (nothing of it written). Raises :class:`Fallback` as the module says.
    ``unread``: plan without reading where :mod:`known_stock` can (one statement, PostgreSQL); a
    miss raises :class:`batch_statement.StalePlan`.
    """
    if not cmds:  # every order of the group was an idempotency replay: nothing to read or book
        return []
    if len({(cmd.channel, cmd.external_id) for cmd in cmds}) < len(cmds):
        raise Fallback("the same order twice in one batch")  # its answer hangs on whether the first is refused
    m = scope.merchant_id
    now = db_time(utcnow())
    guess = known_stock.plan(conn, m, cmds, channels) if one_statement and unread else None
    fetched: Fetched | None = None
    refused: dict[int, InsufficientStock | None]  # per new order (by id()): its refusal, or None
    if guess is not None:
        fresh = guess.orders
        facts = {sku: (vid, True) for sku, vid in guess.known.skus.items()}
        fetched = _unread(conn, scope, guess, facts, now)
        refused, booked = dict.fromkeys(map(id, fresh)), fresh
    else:
        codes = tuple(sorted({cmd.channel for cmd in cmds}))
        skus = {line.sku for cmd in cmds for line in cmd.lines}
        facts, available = read_batch(conn, m, skus, codes, channels, load)
        fresh = [
            BatchOrder(cmd, channels[cmd.channel].channel, [facts[line.sku][0] for line in cmd.lines]) for cmd in cmds
        ]
        sources = sources_of(channels)
        learns = one_statement and conn.dialect.name == "postgresql"
        if learns:
            known_stock.learn(conn.engine, m, facts, available, sorted({key for at in sources.values() for key in at}))
            fetched = _in_one_statement(conn, scope, fresh, sources, facts, available, now)
        if fetched is not None:
            refused, booked = dict.fromkeys(map(id, fresh)), fresh
        else:
            refused, booked = _stepwise(conn, scope, fresh, sources, facts, available, now)
        if learns:  # what this read taught, less what the batch booked (in one statement or step by step)
            known_stock.booked(conn.engine, m, known_stock.taken(booked))
    for order in booked:
        for line_id, vid, missing in zip(order.line_ids, order.vids, order.short, strict=True):
            if missing:
                backorder(conn, m, order.channel, order.order_id, Unit(line_id, vid, 1), missing, now)
    # What moved: the tracked variants booked (the one statement's listeners' reads were made for them).
    moved = set(fetched[0].variant_ids) if fetched is not None else _tracked(booked, facts)
    with backorders_quiet():  # bookings only take stock: nothing for waiting backorders, no excess
        availability.changed(conn, m, moved, fetched=fetched)
    _replays(conn, m, [order for order in fresh if not order.order_id], channels)
    return answers(conn, m, fresh, refused, channels, now)


_EXISTING = select(orders.c.external_id, orders.c.id).where(
    orders.c.merchant_id == bindparam("m"),
    orders.c.channel_id == bindparam("channel_id"),
    any_of(orders.c.external_id, "ids"),
)


def _replays(conn: Connection, m: int, repeats: list[BatchOrder], channels: ChannelCache) -> None:
    """The recorded id of each order that was a repeat (``replayed`` marks it in the answers)."""
    for code in {order.cmd.channel for order in repeats}:
        mine = {order.cmd.external_id: order for order in repeats if order.cmd.channel == code}
        for part in chunked(mine, conn.dialect.name == "postgresql"):
            params = {"m": m, "channel_id": channels[code].channel.id, "ids": part}
            for external_id, order_id in conn.execute(_EXISTING, params):
                mine[str(external_id)].order_id = int(order_id)
                mine[str(external_id)].replayed = True
    if any(not order.replayed for order in repeats):  # it conflicted, yet is not there: let one order at a time say
        raise Fallback("a repeated order could not be read back")


def _tracked(booked: list[BatchOrder], facts: dict[str, tuple[int, bool]]) -> set[int]:
    """The tracked variants of ``booked``: those whose availability the batch moves."""
    return {facts[line.sku][0] for o in booked for line in o.cmd.lines if facts[line.sku][1]}


def _unread(
    conn: Connection, scope: Scope, guess: known_stock.Guess, facts: dict[str, tuple[int, bool]], now: datetime
) -> Fetched:
    """Write a batch planned without reading (:mod:`known_stock`) in the one statement, which checks
    the plan. A miss is undone by the caller and noted here: :class:`StalePlan`."""
    try:
        fetched = _write(conn, scope, guess.orders, facts, now, guess.known)
    except StalePlan as stale:
        known_stock.missed(conn.engine, scope.merchant_id, guess.orders, levels=stale.levels, names=stale.names)
        raise
    known_stock.booked(conn.engine, scope.merchant_id, guess.demand)
    return fetched


def _write(
    conn: Connection,
    scope: Scope,
    fresh: list[BatchOrder],
    facts: dict[str, tuple[int, bool]],
    now: datetime,
    known: Known | None = None,
) -> Fetched:
    """Write the planned batch in one statement with the listeners' reads (:func:`write_batch`);
    the orders and lines get their ids. The reads and their rows, for ``availability.changed``."""
    planned = [
        Planned(o.channel.id, o.cmd.external_id, o.cmd.strict, f"order:{o.channel.code}:{o.cmd.external_id}",
                o.vids, [line.quantity for line in o.cmd.lines], o.takes)
        for o in fresh
    ]  # fmt: skip
    pre = availability.prefetch(scope.merchant_id, _tracked(fresh, facts))
    written, rows = write_batch(conn, scope.merchant_id, scope.actor, planned, now, pre.statements, known)
    for order, order_id, line_ids in zip(fresh, written.order_ids, written.line_ids, strict=True):
        order.order_id, order.line_ids = order_id, line_ids
    return pre, rows


def _in_one_statement(
    conn: Connection,
    scope: Scope,
    fresh: list[BatchOrder],
    sources: dict[str, dict[tuple[int, int], int]],
    facts: dict[str, tuple[int, bool]],
    available: dict[int, dict[tuple[int, int], int]],
    now: datetime,
) -> Fetched | None:
    """Plan the batch and, when no order is refused, write it all in one statement (PostgreSQL),
    sent with the reads the availability listeners start with (:func:`availability.prefetch`:
    which listings and trackers watch the variants): their rows are returned for
    ``availability.changed``. None (nothing written, the plan undone): an order is refused, so the
    statement-by-statement path decides (it answers a refused order that was recorded before as a
    replay). Raises :class:`OneStatementMissed` (from :func:`write_batch`) when the statement did not
    insert every order or hit every level."""
    trial = {vid: dict(at) for vid, at in available.items()}
    if any(plan_order(order, sources[order.cmd.channel], facts, trial) is not None for order in fresh):
        for order in fresh:
            order.takes, order.short = [], []
        return None
    return _write(conn, scope, fresh, facts, now)


def _stepwise(
    conn: Connection,
    scope: Scope,
    fresh: list[BatchOrder],
    sources: dict[str, dict[tuple[int, int], int]],
    facts: dict[str, tuple[int, bool]],
    available: dict[int, dict[tuple[int, int], int]],
    now: datetime,
) -> tuple[dict[int, InsufficientStock | None], list[BatchOrder]]:
    """Record, plan and book the batch statement by statement: each new order's refusal (or None),
    and the orders booked."""
    m = scope.merchant_id
    _insert_orders(conn, m, fresh, now)  # a repeat (recorded before, or by a racing delivery) gets no id
    new = [order for order in fresh if order.order_id]
    refused = {id(order): plan_order(order, sources[order.cmd.channel], facts, available) for order in new}
    _forget(conn, m, [order.order_id for order in new if refused[id(order)] is not None])
    booked = [order for order in new if refused[id(order)] is None]
    _insert_lines(conn, m, booked)
    _book_levels(conn, m, booked)
    _insert_ledger(conn, scope, booked, now)
    return refused, booked


def _insert_orders(conn: Connection, m: int, fresh: list[BatchOrder], now: datetime) -> None:
    """Record the orders first (as the one-order path does): the unique key (channel, external id)
    makes a repeat, or a delivery racing ours, insert nothing (PostgreSQL waits for the racing one to
    end). On PostgreSQL the rows go in key order, ids in batch order, as the one statement inserts
    them: two batches holding the same orders wait for each other instead of deadlocking."""
    by_key = {(o.channel.id, o.cmd.external_id): o for o in fresh}
    if conn.dialect.name == "postgresql":
        new = [(o.channel.id, o.cmd.external_id, o.cmd.strict) for o in fresh]
        inserted = insert_orders(conn, m, new, now)
    else:
        rows = [
            {"merchant_id": m, "channel_id": o.channel.id, "external_id": o.cmd.external_id,
             "strict": o.cmd.strict, "status": "open", "created_at": now, "updated_at": now}
            for o in fresh
        ]  # fmt: skip
        inserted = insert_many(conn, orders, rows, returning=("channel_id", "external_id", "id"), skip_conflicts=True)
    for channel_id, external_id, order_id in inserted:
        by_key[(int(channel_id), str(external_id))].order_id = int(order_id)


def _forget(conn: Connection, m: int, order_ids: list[int]) -> None:
    """Strict orders refused for stock leave nothing behind (their lines were never written)."""
    if order_ids:
        conn.execute(delete(orders).where(orders.c.merchant_id == m, orders.c.id.in_(order_ids)))


def _insert_lines(conn: Connection, m: int, booked: list[BatchOrder]) -> None:
    lines = []
    for order in booked:
        for i, (line, vid) in enumerate(zip(order.cmd.lines, order.vids, strict=True)):
            lines.append(
                {"merchant_id": m, "order_id": order.order_id, "line_no": i + 1, "variant_id": vid,
                 "quantity": line.quantity, "fulfilled": 0, "cancelled": 0, "returned": 0}
            )  # fmt: skip
    ids = {
        (int(order_id), int(line_no)): int(line_id)
        for order_id, line_no, line_id in insert_many(conn, order_lines, lines, returning=("order_id", "line_no", "id"))
    }
    for order in booked:
        order.line_ids = [ids[(order.order_id, i + 1)] for i in range(len(order.cmd.lines))]


def _book_levels(conn: Connection, m: int, booked: list[BatchOrder]) -> None:
    """The guarded statement once per level, for the batch's total there, in the global lock order."""
    totals: dict[tuple[int, int, int], int] = {}
    for order in booked:
        for vid, takes in zip(order.vids, order.takes, strict=True):
            for take in takes:
                key = (vid, take.location_id, take.inventory_type_id)
                totals[key] = totals.get(key, 0) + take.quantity
    if not totals:
        return
    if not book_many(conn, m, totals):  # someone booked between our read and now (PostgreSQL)
        raise Fallback("stock moved since it was read")


def _insert_ledger(conn: Connection, scope: Scope, booked: list[BatchOrder], now: datetime) -> None:
    """One ``book`` movement and one booking per take (each order's takes in lock order, as the one-order path)."""
    moves: list[dict[str, Any]] = []
    holds: list[dict[str, Any]] = []
    m = scope.merchant_id
    for order in booked:
        reference = f"order:{order.channel.code}:{order.cmd.external_id}"
        takes = sorted(
            ((vid, take, line_id) for vid, ts, line_id in zip(order.vids, order.takes, order.line_ids, strict=True)
             for take in ts),
            key=lambda item: (item[0], item[1].location_id, item[1].inventory_type_id),
        )  # fmt: skip
        for vid, take, line_id in takes:
            where = {"merchant_id": m, "variant_id": vid, "location_id": take.location_id,
                     "inventory_type_id": take.inventory_type_id}  # fmt: skip
            moves.append(
                {**where, "at": now, "actor": scope.actor, "kind": MovementKind.BOOK.value, "lot": "",
                 "on_hand_delta": 0, "booked_delta": take.quantity, "counted": None, "reason": None,
                 "reference": reference, "idempotency_key": None, "order_line_id": line_id}
            )  # fmt: skip
            holds.append(
                {**where, "order_line_id": line_id, "quantity": take.quantity, "shipped": 0, "released": 0,
                 "created_at": now}
            )  # fmt: skip
    if moves:
        append_movements(conn, moves)
        insert_many(conn, bookings, holds)


def lock_for_one_by_one(
    conn: Connection, m: int, cmds: list[PlaceOrder], channels: ChannelCache, load: Callable[[str], ChannelFacts]
) -> None:
    """Before several orders are booked one after the other in one transaction (PostgreSQL): first wait
    for any transaction recording one of these orders right now — our insert of the orders waits for it
    on the unique key, and is then taken back (a savepoint) — and only then lock every level the orders
    can book from, in the global order (:func:`booking.lock_levels`). Holding those locks while waiting
    for such a transaction would deadlock as soon as it booked one of them."""
    if conn.dialect.name != "postgresql":
        return
    for code in sorted({cmd.channel for cmd in cmds}):
        if code not in channels:
            channels[code] = load(code)
    probe = conn.begin_nested()
    try:
        _insert_orders(conn, m, [BatchOrder(cmd, channels[cmd.channel].channel, []) for cmd in cmds], db_time(utcnow()))
    finally:
        probe.rollback()
    lock_levels(conn, m, {line.sku for cmd in cmds for line in cmd.lines})
