"""The plan of a batch of orders (:mod:`batch_booking`), in Python, on one read of the stock.

Order after order in batch order, each line is planned over the sources its channel may book from
(:func:`sources_of`) with the channel's allocation strategy (:func:`domain.allocation.plan`), on
what the earlier orders of the batch left; a strict order that cannot be covered takes nothing
and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from truecount.domain.allocation import Source, Take, plan
from truecount.domain.commands import PlaceOrder
from truecount.domain.errors import InsufficientStock
from truecount.services.channels.setup import Channel
from truecount.services.orders.batch_reads import ChannelCache
from truecount.services.orders.booking import short_lines_refusal


@dataclass
class BatchOrder:
    """One new order of the batch: its command, and as planned, its takes and what no source covered
    per line; once written, its id and its lines' ids (or, for a repeat, the recorded id)."""

    cmd: PlaceOrder
    channel: Channel
    vids: list[int]
    takes: list[list[Take]] = field(default_factory=list)  # per line
    short: list[int] = field(default_factory=list)  # per line, what no source covered
    order_id: int = 0
    replayed: bool = False
    line_ids: list[int] = field(default_factory=list)


def sources_of(channels: ChannelCache) -> dict[str, dict[tuple[int, int], int]]:
    """Per channel, the (location, inventory type) pairs it may book from, with the location's rank."""
    return {
        code: {(loc, t): rank for loc, rank in facts.ranks.items() for t in facts.channel.inventory_type_ids}
        for code, facts in channels.items()
    }


def plan_order(
    order: BatchOrder,
    sources: dict[tuple[int, int], int],
    facts: dict[str, tuple[int, bool]],
    available: dict[int, dict[tuple[int, int], int]],
) -> InsufficientStock | None:
    """Plan every line on what is left; a strict order that cannot be covered takes nothing and is refused.
    ``sources``: what the order's channel may book from (:func:`sources_of`)."""
    taken: list[tuple[int, Take]] = []
    for line, vid in zip(order.cmd.lines, order.vids, strict=True):
        if not facts[line.sku][1]:  # not tracked: nothing to book
            order.takes.append([])
            order.short.append(0)
            continue
        at = available[vid]
        usable = [(key, free) for key, free in at.items() if free > 0 and key in sources]
        if len(usable) == 1 and usable[0][1] >= line.quantity:  # one place holds it: what plan() would take
            (loc, t), _ = usable[0]
            takes, missing = [Take(loc, t, line.quantity)], 0
        else:
            options = [Source(loc, t, free, sources[(loc, t)]) for (loc, t), free in usable]
            takes, missing = plan(line.quantity, options, order.channel.allocation)
        for take in takes:
            at[(take.location_id, take.inventory_type_id)] -= take.quantity
            taken.append((vid, take))
        order.takes.append(takes)
        order.short.append(missing)
    if not (order.cmd.strict and any(order.short)):
        return None
    for vid, take in taken:  # give back what the refused order planned
        available[vid][(take.location_id, take.inventory_type_id)] += take.quantity
    details = [
        {"line": i + 1, "sku": line.sku, "requested": line.quantity, "available": line.quantity - missing,
         "missing": missing}
        for i, (line, missing) in enumerate(zip(order.cmd.lines, order.short, strict=True))
        if missing
    ]  # fmt: skip
    return short_lines_refusal(details)
