"""The booking engine: every order is booked here — one order, a group of callers, a batch.

One loop, each turn one transaction:

1. claim the orders' idempotency keys (a key used before answers its first answer or a conflict);
2. **view** the stock: the process's remembered view (:mod:`.remembered`, PostgreSQL) on the first
   turn, else a read through the booking store (:mod:`truecount.adapters.db.booking`), locked after
   two misses;
3. **plan**: :func:`truecount.domain.booking.planner.plan_batch` — the one place where a line's
   source is decided. A plan on the remembered view is kept only when it is ``certain``; else read;
   a plan with short lines reads their variants' substitutes and plans again (:mod:`.substitutes`);
4. **write** the new orders through the store (the guarded update; PostgreSQL: one statement, with
   the availability listeners' reads in the same round trip), then what the orders owe (backorders,
   oversell incidents), their drop-ship purchase orders, and the listeners, once;
5. the answers, and each key's answer stored (a refused order's key given back).

When the write misses — a level another transaction took since the view, an order recorded
meanwhile, a remembered fact that no longer holds — the turn rolls back and the next reads and
plans again. An order of one is a batch of one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection

from truecount.adapters.db.booking import Batch, Checks, Missed, NewOrders, store_for
from truecount.adapters.db.booking import Scope as Where
from truecount.adapters.db.engine import Database
from truecount.domain.booking.choice import SupplierTerms
from truecount.domain.booking.planner import BatchPlan, Outcome, PlannedOrder, plan_batch
from truecount.domain.booking.sources import CHEAPEST, FASTEST, RELIABLE
from truecount.domain.booking.view import StockView, VariantFacts
from truecount.domain.commands import PlaceOrder
from truecount.domain.errors import NotFound, TruecountError
from truecount.domain.model import LocationKind
from truecount.services.common import availability
from truecount.services.common.idempotency import claim_many, release_many, store_many
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.orders import facts_cache, preorders, remembered, substitutes
from truecount.services.orders.answers import answer_all
from truecount.services.orders.booking import ChannelFacts, channel_facts
from truecount.services.orders.dropship import request_purchase_orders
from truecount.services.orders.owed import owe
from truecount.services.orders.results import Order
from truecount.services.purchasing.terms import supplier_terms
from truecount.services.suppliers.costs import unit_costs

Keyed = tuple[PlaceOrder, str | None]  # an order and its idempotency key
Also = Callable[[Connection], None]  # a write made in the transaction that answers an order
MAX_TURNS = 12  # misses in a row before giving up (each one is another transaction's progress)
LOCK_AFTER = 2  # misses after which the view is read locked


def book(
    db: Database,
    scope: Scope,
    items: list[Keyed],
    *,
    all_or_error: bool = False,
    also: Sequence[Also | None] = (),
    after: Callable[[Connection, list[Order | TruecountError]], None] | None = None,
) -> list[Order | TruecountError]:
    """Book ``items`` in one transaction; one answer per item, in order: the order's view, a replay
    (``replayed``), or its refusal (a short strict order, an unknown channel or SKU, a key reused for
    another request). ``all_or_error``: an unknown channel or SKU in any order raises, nothing written.
    ``also``, one per item (or none): a write to make in the same transaction when that item is
    answered (booked or replayed, not refused) — a webhook's delivery record, say. ``after``: a write
    made once in the same transaction, given every answer (a group's records written together)."""
    rounds = _rounds(items)

    def attempt() -> list[Order | TruecountError]:
        for turn in range(MAX_TURNS):
            try:
                with db.write() as conn:
                    out: dict[int, Order | TruecountError] = {}
                    for indices in rounds:
                        part = [items[i] for i in indices]
                        out.update(zip(indices, _turn(conn, scope, part, turn, all_or_error), strict=True))
                    answers = [out[i] for i in range(len(items))]
                    for write, answer in zip(also, answers, strict=False):
                        if write is not None and not isinstance(answer, TruecountError):
                            write(conn)
                    if after is not None:
                        after(conn, answers)
                    return answers
            except Missed:
                continue
        raise RuntimeError(f"booking missed {MAX_TURNS} times in a row")

    return with_retry(attempt)


def _rounds(items: list[Keyed]) -> list[list[int]]:
    """The items in rounds with distinct keys (a key's second use waits for its first's answer)."""
    if all(key is None for _, key in items):  # a batch: no keys, one round
        return [list(range(len(items)))]
    rounds: list[list[int]] = []
    seen: list[set[str]] = []
    for index, (_, key) in enumerate(items):
        at = next((n for n, keys in enumerate(seen) if key is None or key not in keys), len(rounds))
        if at == len(rounds):
            rounds.append([])
            seen.append(set())
        rounds[at].append(index)
        if key is not None:
            seen[at].add(key)
    return rounds


def _turn(
    conn: Connection, scope: Scope, items: list[Keyed], turn: int, all_or_error: bool
) -> list[Order | TruecountError]:
    if all(key is None for _, key in items):  # no key to claim or answer for: the bookings' answers
        return _book(conn, scope, [cmd for cmd, _ in items], turn, all_or_error) if items else []
    m = scope.merchant_id
    claims = claim_many(conn, m, {key: {"order": asdict(cmd)} for cmd, key in items if key is not None}, Order)
    if any(key is not None and key not in claims for _, key in items):
        raise Missed("a key vanished between its conflict and its read (released by a refusal)")
    todo = [cmd for cmd, key in items if key is None or claims[key] is None]
    answers = iter(_book(conn, scope, todo, turn, all_or_error) if todo else [])
    results: list[Order | TruecountError] = []
    stored: dict[str, Order] = {}
    released: list[str] = []
    for _, key in items:
        claim = claims.get(key) if key is not None else None
        if claim is not None:  # a replay of the key's first answer, or a conflict
            results.append(claim)
            continue
        answer = next(answers)
        if key is not None:
            if isinstance(answer, TruecountError):
                released.append(key)
            else:
                stored[key] = answer
        results.append(answer)
    store_many(conn, m, stored)
    release_many(conn, m, released)
    return results


def _book(
    conn: Connection, scope: Scope, cmds: list[PlaceOrder], turn: int, all_or_error: bool
) -> list[Order | TruecountError]:
    m = scope.merchant_id
    postgres = conn.dialect.name == "postgresql"
    codes = tuple(sorted({cmd.channel for cmd in cmds}))
    names = {line.sku for cmd in cmds for line in cmd.lines}
    checks: Checks | None = None
    got = remembered.view(conn, m, names, codes, len(cmds)) if turn == 0 else None
    plan: BatchPlan | None = None
    if got is not None:
        view, digest, facts = got
        plan = plan_batch(view, cmds)
        if plan.certain:
            checks = Checks({sku: view.variants[sku].id for sku in names}, codes, digest)
        else:
            plan = None
    if plan is None:
        lock = turn >= LOCK_AFTER
        view, facts = _read(conn, m, cmds, names, codes, lock=lock)
        plan = plan_batch(view, cmds)
        if postgres:
            remembered.learn(conn.engine, m, view)
        if any(order.short for order in plan.orders):
            where = _where(facts, codes, [])
            costs = partial(_costs, conn, m, facts=list(facts.values()))
            plan = substitutes.replan(conn, m, view, cmds, plan, where, lock=lock, costs=costs)
    if all_or_error:
        invalid = next((o for o in plan.orders if o.outcome is Outcome.INVALID), None)
        if invalid is not None and invalid.invalid is not None:
            raise NotFound(invalid.invalid[1], field=invalid.invalid[0])
    now = db_time(utcnow())
    ids = _write(conn, scope, plan, facts, now, checks, names, view.clock)
    return answer_all(conn, m, plan.orders, ids, facts, now)


def _load(conn: Connection, m: int) -> Any:
    def load(code: str) -> ChannelFacts | None:
        try:
            return channel_facts(conn, m, code)
        except NotFound:
            return None

    return load


def _read(
    conn: Connection, m: int, cmds: list[PlaceOrder], names: set[str], codes: tuple[str, ...], *, lock: bool
) -> tuple[StockView, dict[str, ChannelFacts]]:
    """The batch's view read in this transaction, with its channels' facts (on PostgreSQL, the facts
    this process keeps are used when the read's digest confirms them)."""
    store = store_for(conn)
    postgres = conn.dialect.name == "postgresql"
    kept = facts_cache.cached(conn, m, codes) if postgres else None
    for _ in range(3):
        if kept is not None:
            digest, facts = kept
        elif postgres:
            digest, facts = facts_cache.read(conn, m, codes, _load(conn, m))
        else:
            digest, facts = "", {code: f for code in codes if (f := _load(conn, m)(code)) is not None}
        keys = [(facts[c.channel].channel.id, c.external_id) for c in cmds if c.channel in facts]
        where = _where(facts, codes, sorted(set(keys)))
        read = store.read(conn, m, names, where, lock=lock)
        if not postgres or read.digest == digest:
            break
        kept = None
    else:
        raise Missed("the channels changed under every read of them", facts=True)
    if postgres:
        facts_cache.keep(conn, m, codes, digest, facts)
    by_id = {f.channel.id: code for code, f in facts.items()}
    recorded = {(by_id[c], e): order_id for (c, e), order_id in read.recorded.items()}
    channels = {code: f.sources for code, f in facts.items()}
    costs = _costs(conn, m, read.variants.values(), facts.values())
    terms = _terms(conn, m, read.variants.values(), facts.values())
    now = utcnow()
    return StockView(
        read.variants, read.free, channels, recorded, exact=True, costs=costs, suppliers=terms,
        clock=now.hour * 60 + now.minute,
    ), facts  # fmt: skip


def _where(facts: dict[str, ChannelFacts], codes: tuple[str, ...], keys: list[tuple[int, str]]) -> Where:
    """Where a read looks: the channels' places (locations × types), and the orders ``keys``."""
    return Where(
        sorted({loc for f in facts.values() for loc in f.ranks}),
        sorted({t for f in facts.values() for t in f.channel.inventory_type_ids}),
        codes,
        keys,
    )


def _costs(
    conn: Connection, m: int, variants: Iterable[VariantFacts], facts: Iterable[ChannelFacts]
) -> dict[int, dict[int, int | None]]:
    """What a unit costs at the drop-ship locations of the batch's channels a ``cheapest`` rule applies
    on (the channel's or a variant's own; none else)."""
    variants = list(variants)
    own = {v.rule for v in variants}
    dropship = {loc for f in facts if _ranks_by(f, CHEAPEST, own) for loc in f.sources.dropship}
    if not dropship:
        return {}
    ids = {v.id for v in variants} | {c for v in variants for c, _ in v.components}
    return unit_costs(conn, m, ids, dropship)


def _terms(
    conn: Connection, m: int, variants: Iterable[VariantFacts], facts: Iterable[ChannelFacts]
) -> dict[int, SupplierTerms]:
    """The terms of the suppliers behind the drop-ship locations of the batch's channels a ``fastest``
    or ``reliable`` rule applies on (the channel's or a variant's own; none else)."""
    own = {v.rule for v in variants}
    dropship = {
        loc for f in facts if _ranks_by(f, FASTEST, own) or _ranks_by(f, RELIABLE, own) for loc in f.sources.dropship
    }
    return supplier_terms(conn, m, dropship) if dropship else {}


def _ranks_by(facts: ChannelFacts, rule: str, own: set[str | None]) -> bool:
    """Whether ``rule`` may rank the channel's sources: the channel's rule, or one of the variants' own."""
    sources = facts.sources
    return bool(sources.dropship) and (sources.strategy == rule or rule in own)


def _write(
    conn: Connection,
    scope: Scope,
    plan: BatchPlan,
    facts: dict[str, ChannelFacts],
    now: datetime,
    checks: Checks | None,
    names: set[str],
    clock: int,
) -> dict[int, tuple[int, list[int]]]:
    """Write the plan's booked orders and what follows from them; per index of a booked order, its id
    and its lines' ids. ``clock``: the minute of the day the plan compared cut-off times to."""
    m = scope.merchant_id
    indexed = [(i, o) for i, o in enumerate(plan.orders) if o.outcome is Outcome.BOOKED]
    booked = [order for _, order in indexed]
    new = _new_orders(booked)
    # Every variant a booked unit names: a certain order's (one take each) are among the levels taken.
    moved = {vid for vid, _, _ in plan.taken}
    moved.update(unit.variant_id for o in booked if not o.certain for line in o.lines for unit in line.units)
    owing = any(order.short for order in booked)
    if owing:
        preorders.settle(conn, m, plan)  # the planner splits what they owe: pre-orders, oversold
    pre = availability.prefetch(m, moved)
    try:
        written, rows = store_for(conn).write(conn, Batch(m, scope.actor, now, new, checks, pre.statements))
    except Missed as miss:
        if checks is not None:
            remembered.missed(conn.engine, m, plan.demand(), names, names=miss.names or miss.facts)
        raise
    if conn.dialect.name == "postgresql":
        remembered.booked(conn.engine, m, plan.demand())
    ids = dict(zip([i for i, _ in indexed], zip(written.order_ids, written.line_ids, strict=True), strict=True))
    dropship = {code: suppliers for code, f in facts.items() if (suppliers := _suppliers(f))}
    substituted = any(line.substitution for order in booked if not order.certain for line in order.lines)
    for index, order in indexed if owing or dropship or substituted else ():
        order_id, line_ids = ids[index]
        if substituted:
            substitutes.record(conn, m, order_id, order, line_ids, now)
        if order.short:
            owe(conn, m, facts[order.cmd.channel].channel, order_id, order, line_ids, now)
        at = dropship.get(order.cmd.channel)
        if at and any(t.location_id in at for _, _, t in order.holds()):
            request_purchase_orders(conn, m, order_id, order.cmd.channel, order.cmd.external_id, line_ids, clock=clock)
    availability.changed(conn, m, moved, fetched=(pre, rows), taken=True)  # bookings only take stock
    return ids


def _new_orders(booked: list[PlannedOrder]) -> NewOrders:
    """The booked orders as the store's columns, built straight from the plan: column by column when
    every order is one line taken whole in one place (``certain``: one unit, one take), else order by
    order."""
    cmds = [order.cmd for order in booked]
    references = [f"order:{cmd.channel}:{cmd.external_id}" for cmd in cmds]
    channel_ids = [order.channel.id if order.channel is not None else 0 for order in booked]
    if all(order.certain and len(order.lines) == 1 for order in booked):
        lines = [order.lines[0] for order in booked]
        units = [line.units[0] for line in lines]
        takes = [unit.takes[0] for unit in units]
        numbers = list(range(1, len(booked) + 1))
        return NewOrders(
            channel_ids, [cmd.external_id for cmd in cmds], [cmd.strict for cmd in cmds], references,
            numbers, [1] * len(booked), [line.variant.id for line in lines], [line.quantity for line in lines],
            numbers, numbers, [unit.variant_id for unit in units], [t.location_id for t in takes],
            [t.inventory_type_id for t in takes], [t.quantity for t in takes],
        )  # fmt: skip
    new = NewOrders()
    for order, channel_id, reference in zip(booked, channel_ids, references, strict=True):
        new.add(
            channel_id,
            order.cmd.external_id,
            order.cmd.strict,
            reference,
            [(line.variant.id, line.quantity) for line in order.lines],
            [(i, vid, t.location_id, t.inventory_type_id, t.quantity) for i, vid, t in order.holds()],
        )
    return new


def _suppliers(facts: ChannelFacts) -> set[int]:
    """The channel's drop-ship locations (a line taken there asks that supplier to ship it)."""
    return {loc for loc, site in facts.sites.items() if site.kind == LocationKind.DROPSHIP.value and loc in facts.ranks}
