"""Orders: channel order ingest (never refused, backorders and oversell incidents) and strict
reservations (all lines or none), recorded once per (channel, external order id).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.orders import backorders, order_lines, orders
from truecount.domain.commands import PlaceOrder
from truecount.domain.errors import InsufficientStock, InvalidInput, TruecountError
from truecount.services.channels.setup import Channel
from truecount.services.common import availability
from truecount.services.common.idempotency import claim_many, release_many, run_once, store_many
from truecount.services.common.lookups import variant_id
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders import booking, group_commit
from truecount.services.orders.backorders import quiet as backorders_quiet
from truecount.services.orders.batch_booking import book_batch, lock_for_one_by_one
from truecount.services.orders.batch_reads import Fallback
from truecount.services.orders.batch_statement import OneStatementMissed, StalePlan
from truecount.services.orders.booking import ChannelFacts, Need, Unit
from truecount.services.orders.dropship import request_purchase_orders
from truecount.services.orders.incidents import record_incident
from truecount.services.orders.preorders import is_prebooking, preorder_part
from truecount.services.orders.views import order_view
from truecount.services.stock.ledger import LineMeta

MAX_LINES = 500


def place_order(db: Database, scope: Scope, cmd: PlaceOrder, key: str | None = None) -> dict[str, Any]:
    """Record and book an order once per (channel, external id) — and once per idempotency ``key`` when
    one is given. A repeat returns the recorded order.

    Concurrent callers share transactions (:mod:`group_commit`): each still gets its own answer or
    refusal, only after the shared commit.
    """
    _validate(cmd, scope)
    return group_commit.submit(
        db,
        scope,
        (cmd, key),
        lambda items: _book_group(db, scope, items),
        lambda item: place_order_alone(db, scope, *item),
    )


def place_order_alone(db: Database, scope: Scope, cmd: PlaceOrder, key: str | None = None) -> dict[str, Any]:
    """Record and book one order in a transaction of its own, order by order (no group commit)."""

    def attempt() -> dict[str, Any]:
        with db.write() as conn:
            return run_once(
                conn, scope.merchant_id, key, {"order": asdict(cmd)}, lambda: record_order(conn, scope, cmd)
            )

    return with_retry(attempt)


def place_orders(db: Database, scope: Scope, cmds: list[PlaceOrder]) -> list[dict[str, Any]]:
    """Several orders in ONE transaction; a strict order refused for stock books nothing and the others
    still stand (its entry is ``{"external_id": …, "error": {...}}``).

    Every guarantee of :func:`place_order` holds (each level moves only through the guarded
    statement, one order per (channel, external id)); only the commit is shared. The batch is
    booked set-based (:mod:`batch_booking`); when that cannot be done it is booked order by order,
    each in its own savepoint. No idempotency key: a repeat of the batch finds each order by its
    external id.
    """
    for cmd in cmds:
        _validate(cmd, scope)
    results: list[dict[str, Any]] = []
    for cmd, result in zip(cmds, _book_group(db, scope, [(cmd, None) for cmd in cmds]), strict=True):
        if isinstance(result, TruecountError):
            error = {"code": result.code, "message": str(result), "details": result.details}
            results.append({"external_id": cmd.external_id, "error": error})
        else:
            results.append(result)
    return results


Keyed = tuple[PlaceOrder, str | None]  # an order and its idempotency key


def _book_group(db: Database, scope: Scope, items: list[Keyed]) -> list[dict[str, Any] | TruecountError]:
    """Validated orders in one transaction: set-based, else order by order in savepoints.

    One answer per order: its view, a replay, or its refusal (short strict order, reused key)."""
    m = scope.merchant_id
    keys = [key for _, key in items if key is not None]

    def attempt() -> list[dict[str, Any] | TruecountError]:
        channels: dict[str, ChannelFacts] = {}
        if len(set(keys)) == len(keys):  # the same key twice: its second answer hangs on the first
            # One statement planned without reading where known_stock can; on a stale plan, one
            # statement on a fresh read; on a miss, statement by statement. Each in a new transaction.
            unread, one_statement = True, True
            try:
                while True:
                    try:
                        with db.write() as conn:
                            return _book_set_based(conn, scope, items, channels, one_statement, unread)
                    except StalePlan:  # the facts it planned with may be stale: none kept for the next try
                        unread = False
                        channels.clear()
                    except OneStatementMissed:
                        unread, one_statement = False, False
            except Fallback:  # rolled back: the same orders, one by one, in a new transaction
                pass
        with db.write() as conn:
            results: list[dict[str, Any] | TruecountError] = []
            if len(items) > 1:
                load = partial(booking.channel_facts, conn, m)
                lock_for_one_by_one(conn, m, [cmd for cmd, _ in items], channels, load)
            for cmd, key in items:
                try:
                    with conn.begin_nested():
                        results.append(
                            run_once(
                                conn, m, key, {"order": asdict(cmd)}, partial(record_order, conn, scope, cmd, channels)
                            )
                        )
                except InsufficientStock as refused:
                    results.append(refused)
            return results

    return with_retry(attempt)


def _book_set_based(
    conn: Connection,
    scope: Scope,
    items: list[Keyed],
    channels: dict[str, ChannelFacts],
    one_statement: bool,
    unread: bool,
) -> list[dict[str, Any] | TruecountError]:
    """Claim the keys, book what is new in one batch, keep each key's answer (release refused ones)."""
    m = scope.merchant_id
    claims = claim_many(conn, m, {key: {"order": asdict(cmd)} for cmd, key in items if key is not None})
    if any(key is not None and key not in claims for _, key in items):
        raise Fallback("a key vanished between its conflict and its read (released by a refusal)")
    todo = [cmd for cmd, key in items if key is None or claims[key] is None]
    load = partial(booking.channel_facts, conn, m)
    booked = iter(book_batch(conn, scope, todo, channels, load, _backorder, one_statement=one_statement, unread=unread))
    results: list[dict[str, Any] | TruecountError] = []
    answers: dict[str, dict[str, Any]] = {}
    refused: list[str] = []
    for _, key in items:
        claim = claims.get(key) if key is not None else None
        if claim is not None:  # a replay of the key's first answer, or a conflict
            results.append(claim)
            continue
        answer = next(booked)
        if key is not None:
            if isinstance(answer, TruecountError):
                refused.append(key)
            else:
                answers[key] = answer
        results.append(answer)
    store_many(conn, m, answers)
    release_many(conn, m, refused)
    return results


def _validate(cmd: PlaceOrder, scope: Scope) -> None:
    if not cmd.channel:
        raise InvalidInput("is required", field="channel")
    if not cmd.external_id or not cmd.external_id.strip() or len(cmd.external_id) > 200:
        raise InvalidInput("is required: up to 200 characters", field="external_id")
    if not cmd.lines:
        raise InvalidInput("must have at least one line", field="lines")
    if len(cmd.lines) > MAX_LINES:
        raise InvalidInput(f"has more than {MAX_LINES} lines", field="lines")
    for i, line in enumerate(cmd.lines):
        if not line.sku:
            raise InvalidInput("is required", field=f"lines[{i}].sku")
        q = line.quantity
        if isinstance(q, bool) or not isinstance(q, int) or q <= 0:
            raise InvalidInput("must be a whole number greater than zero", field=f"lines[{i}].quantity")
        if q > scope.max_quantity:
            raise InvalidInput(f"is absurdly large (more than {scope.max_quantity})", field=f"lines[{i}].quantity")


def record_order(
    conn: Connection, scope: Scope, cmd: PlaceOrder, channels: dict[str, ChannelFacts] | None = None
) -> dict[str, Any]:
    """Record and book ``cmd`` in the caller's transaction (webhooks and polling call this too).

    ``channels`` caches each channel and its saleable location ranks for the length of one
    transaction (``place_orders`` passes one dict for the whole batch: 4 statements less per order).
    """
    m = scope.merchant_id
    cached = channels.get(cmd.channel) if channels is not None else None
    if cached is None:
        cached = booking.channel_facts(conn, m, cmd.channel)
        if channels is not None:
            channels[cmd.channel] = cached
    channel, ranks = cached.channel, cached.ranks
    vids = [variant_id(conn, m, line.sku, field=f"lines[{i}].sku") for i, line in enumerate(cmd.lines)]
    now = db_time(utcnow())
    values = {
        "merchant_id": m,
        "channel_id": channel.id,
        "external_id": cmd.external_id,
        "strict": cmd.strict,
        "status": "open",
        "created_at": now,
        "updated_at": now,
    }
    inserted = conn.execute(_insert_order_stmt(conn.dialect.name), values).scalar()
    if inserted is None:  # recorded before (or by a racing delivery, which we waited for): a repeat
        existing = conn.execute(
            select(orders.c.id).where(
                orders.c.merchant_id == m, orders.c.channel_id == channel.id, orders.c.external_id == cmd.external_id
            )
        ).scalar_one()
        return {**order_view(conn, m, int(existing)), "replayed": True}
    order_id = int(inserted)
    needs: list[Need] = []
    line_ids: list[int] = []
    for i, (line, vid) in enumerate(zip(cmd.lines, vids, strict=True)):
        pk = conn.execute(
            insert(order_lines).values(
                merchant_id=m,
                order_id=order_id,
                line_no=i + 1,
                variant_id=vid,
                quantity=line.quantity,
                fulfilled=0,
                cancelled=0,
                returned=0,
            )
        ).inserted_primary_key
        assert pk is not None
        line_ids.append(int(pk[0]))
        tracked, is_bundle = _flags(conn, vid)
        if tracked:
            units = booking.units_for(conn, m, channel, ranks, line_ids[-1], vid, line.quantity, is_bundle=is_bundle)
            needs.extend(Need(unit, unit.per_line * line.quantity) for unit in units)
    meta = LineMeta(m, now, scope.actor, reference=f"order:{channel.code}:{cmd.external_id}")
    short = booking.book(conn, m, channel, ranks, needs, meta, now)
    if cmd.strict and any(short.values()):
        raise _refusal(cmd, line_ids, needs, short)
    for need in needs:
        missing = short.get(need.unit, 0)
        if missing:
            _backorder(conn, m, channel, order_id, need.unit, missing, now)
            short[need.unit] = 0  # a unit listed twice is backordered once
    request_purchase_orders(conn, m, order_id, channel.code, cmd.external_id, line_ids)
    with backorders_quiet():  # bookings only take stock: nothing for waiting backorders, no excess
        availability.changed(conn, m, booking.variant_ids(n.unit for n in needs))
    return order_view(conn, m, order_id)


@lru_cache(maxsize=4)
def _insert_order_stmt(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new order's id, or nothing when it exists."""
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(orders).on_conflict_do_nothing().returning(orders.c.id)


_FLAGS = select(variants.c.tracked, variants.c.is_bundle).where(variants.c.id == bindparam("vid"))


def _flags(conn: Connection, vid: int) -> tuple[bool, bool]:
    """(tracked, is_bundle) of a variant, in one statement."""
    tracked, is_bundle = conn.execute(_FLAGS, {"vid": vid}).one()
    return bool(tracked), bool(is_bundle)


def _refusal(cmd: PlaceOrder, line_ids: list[int], needs: list[Need], short: dict[Unit, int]) -> InsufficientStock:
    """Name each short line: requested, available, missing (in the line's own units)."""
    details = []
    for index, (spec, line_id) in enumerate(zip(cmd.lines, line_ids, strict=True)):
        line_needs = [n for n in needs if n.unit.line_id == line_id]
        if not line_needs:
            continue
        covered = min((n.quantity - short.get(n.unit, 0)) // n.unit.per_line for n in line_needs)
        if covered < spec.quantity:
            details.append(
                {
                    "line": index + 1,
                    "sku": spec.sku,
                    "requested": spec.quantity,
                    "available": covered,
                    "missing": spec.quantity - covered,
                }
            )
    return booking.short_lines_refusal(details)


def _backorder(
    conn: Connection, m: int, channel: Channel, order_id: int, unit: Unit, missing: int, now: datetime
) -> None:
    """Owe what no saleable location could cover: up to what a ``prebook`` rule still allows is an
    expected pre-order; the rest is an oversell incident (recorded and alerted)."""
    expected = preorder_part(conn, m, channel.id, unit.variant_id, missing)
    for quantity, preorder in ((expected, True), (missing - expected, False)):
        if quantity <= 0:
            continue
        conn.execute(
            insert(backorders).values(
                merchant_id=m,
                order_line_id=unit.line_id,
                variant_id=unit.variant_id,
                quantity=quantity,
                allocated=0,
                cancelled=0,
                preorder=preorder,
                created_at=now,
            )
        )
    if missing > expected:
        prebook = is_prebooking(conn, m, channel.id, unit.variant_id)
        cause = "ordered beyond stock" + (" and beyond the pre-order quantity" if prebook else "")
        record_incident(conn, m, order_id, unit.line_id, unit.variant_id, channel.id, missing - expected, cause, now)
