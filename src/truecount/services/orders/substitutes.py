"""Substitutes at booking: the lists the planner needs, read only when a plan finds a line short, and
what a substituted line records.

The planner (:func:`truecount.domain.booking.planner.substitute_for`) decides; this module feeds it
and writes down its decision:

- :func:`replan` — a plan with short lines of variants whose orders accept substitutes reads those
  variants' substitutes (and the substitutes' free stock, locked like the first read when it was) and
  plans again, until no short variant is left unread: the plan a view holding every list would give.
  A batch with nothing short reads nothing more.
- :func:`record` — each substituted line: a ``line_substitutions`` row (the variant shipped, how
  many, why, whether the customer must be told) and an outbox event ``order_line_substituted``
  ``{order_id, channel, external_id, line, ordered_sku, ordered_quantity, shipped_sku,
  shipped_quantity, ratio, why, notify}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Connection, insert, select

from truecount.adapters.db.booking import Scope as Where
from truecount.adapters.db.booking import store_for
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.substitutes import line_substitutions, variant_substitutes
from truecount.domain.booking.planner import BatchPlan, Outcome, PlannedLine, PlannedOrder, plan_batch
from truecount.domain.booking.view import StockView, Substitute, VariantFacts
from truecount.domain.commands import PlaceOrder
from truecount.services.common.outbox import emit_event

TOPIC = "order_line_substituted"

Costs = Callable[[Iterable[VariantFacts]], Mapping[int, Mapping[int, int | None]]]

_s = variant_substitutes.c


def replan(
    conn: Connection, m: int, view: StockView, cmds: list[PlaceOrder], plan: BatchPlan, where: Where, *,
    lock: bool, costs: Costs,
) -> BatchPlan:  # fmt: skip
    """``plan`` again with the substitutes of every variant it finds short (see the module)."""
    asked: set[int] = set()
    while wanted := _short_variants(plan) - asked:
        asked |= wanted
        found = read_substitutes(conn, m, wanted)
        if not found:
            continue
        subs = {s for listed in found.values() for s in listed}
        fresh = {s.sku for s in subs if s.variant_id not in view.free}
        free = dict(view.free)
        if fresh:
            read = store_for(conn).read(conn, m, fresh, Where(where.locations, where.types, where.codes), lock=lock)
            for vid, places in read.free.items():
                free.setdefault(vid, places)
        more = costs([VariantFacts(s.variant_id, s.sku) for s in subs if s.variant_id not in view.costs])
        view = replace(
            view,
            free=free,
            substitutes={**view.substitutes, **found},
            costs={**view.costs, **more} if more else view.costs,
        )
        plan = plan_batch(view, cmds)
    return plan


def _short_variants(plan: BatchPlan) -> set[int]:
    """The variants of lines some unit of which is short, in orders that accept substitutes (a line
    of a bundle's components has none)."""
    return {
        line.variant.id
        for order in plan.orders
        if order.outcome in (Outcome.BOOKED, Outcome.REFUSED) and order.short and order.cmd.takes_substitutes
        for line in order.lines
        if not line.variant.bundle and any(unit.short for unit in line.units)
    }


def read_substitutes(conn: Connection, m: int, variant_ids: set[int]) -> dict[int, tuple[Substitute, ...]]:
    """Per variant, its substitutes in list order (those still booked as themselves: tracked, no bundle)."""
    rows = conn.execute(
        select(_s.variant_id, _s.substitute_id, variants.c.sku, _s.ratio, _s.channels, _s.notify)
        .join(variants, variants.c.id == _s.substitute_id)
        .where(
            _s.merchant_id == m,
            _s.variant_id.in_(sorted(variant_ids)),
            variants.c.tracked.is_(True),
            variants.c.is_bundle.is_(False),
        )
        .order_by(_s.variant_id, _s.position)
    ).all()
    found: dict[int, list[Substitute]] = {}
    for r in rows:
        channel_ids = None if r.channels is None else frozenset(int(c) for c in json.loads(r.channels))
        sub = Substitute(int(r.substitute_id), str(r.sku), int(r.ratio), channel_ids, bool(r.notify))
        found.setdefault(int(r.variant_id), []).append(sub)
    return {vid: tuple(subs) for vid, subs in found.items()}


def why(line: PlannedLine, channel: str) -> str:
    """Why the line ships a substitute, in words."""
    done = line.substitution
    assert done is not None
    ratio = f", {done.substitute.ratio} per unit ordered" if done.substitute.ratio != 1 else ""
    return (
        f"{line.variant.sku} had {done.ordered_free} free of {line.quantity} on {channel}: "
        f"substitute {done.position} {done.substitute.sku} covers the line{ratio}"
    )


def record(conn: Connection, m: int, order_id: int, order: PlannedOrder, line_ids: list[int], now: datetime) -> None:
    """Record each substituted line of the booked ``order`` and announce it (see the module)."""
    for number, (line, line_id) in enumerate(zip(order.lines, line_ids, strict=True), start=1):
        done = line.substitution
        if done is None:
            continue
        sub = done.substitute
        reason = why(line, order.cmd.channel)
        conn.execute(
            insert(line_substitutions).values(
                merchant_id=m, order_line_id=line_id, variant_id=sub.variant_id, quantity=line.quantity * sub.ratio,
                ratio=sub.ratio, why=reason, notify=sub.notify, created_at=now,
            )
        )  # fmt: skip
        emit_event(
            conn,
            m,
            TOPIC,
            {
                "order_id": order_id, "channel": order.cmd.channel, "external_id": order.cmd.external_id,
                "line": number, "ordered_sku": line.variant.sku, "ordered_quantity": line.quantity,
                "shipped_sku": sub.sku, "shipped_quantity": line.quantity * sub.ratio, "ratio": sub.ratio,
                "why": reason, "notify": sub.notify,
            },
        )  # fmt: skip
