"""Which of a channel's sources a quantity is taken from: the allocation strategies. Pure.

A channel ranks its sources (its saleable locations × its inventory types) by a **strategy**:

- ``priority``: the channel's location order (then location, then type);
- ``most_available``: the source with most free first (then the priority order);
- ``cheapest``: the source that costs least to buy a unit of the line's variant from first — own
  stock costs nothing more, a drop-ship location costs its supplier's unit cost for the variant,
  and a drop-ship location whose supplier quotes no cost for it comes last — then the priority
  order (equal costs, own stock). Costs are compared as numbers, whatever the suppliers' currencies.

A quantity is taken **whole** from the first ranked source that covers it; when none does, it is
**split** over the sources in rank order, as much as each has; what they cannot cover is short.
A new strategy (a supplier's price, a lead time) is one more entry in :data:`RANKINGS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PRIORITY = "priority"
MOST_AVAILABLE = "most_available"
CHEAPEST = "cheapest"


@dataclass(frozen=True)
class Source:
    """Free stock of one variant at one location in one inventory type.

    ``rank`` is the location's place in the channel's fulfilment order (lower first). ``cost``: what a
    unit taken here costs to buy, in ten-thousandths of the supplier's currency — 0 for own stock,
    ``None`` for a drop-ship location whose supplier quotes no cost for the variant.
    """

    location_id: int
    inventory_type_id: int
    available: int
    rank: int
    cost: int | None = 0


def fulfilment_order(locations: list[tuple[int, int, int, str]]) -> list[int]:
    """The order a channel's locations are booked in (a :class:`Source`'s ``rank`` is the place here).

    ``locations`` are ``(location id, location priority, place in the channel's list, code)``: lower
    priority first; equal priorities in the channel's own order (the order its locations were given
    in); then by code (channels set up before the order was kept all have place 0).
    """
    return [loc for loc, *_ in sorted(locations, key=lambda x: (x[1], x[2], x[3], x[0]))]


@dataclass(frozen=True)
class Take:
    """So many units from one (location, inventory type)."""

    location_id: int
    inventory_type_id: int
    quantity: int


def _by_priority(source: Source) -> tuple[int, ...]:
    return source.rank, source.location_id, source.inventory_type_id


def _by_most_available(source: Source) -> tuple[int, ...]:
    return -source.available, source.rank, source.location_id, source.inventory_type_id


def _by_cheapest(source: Source) -> tuple[int, ...]:
    unquoted = source.cost is None
    return int(unquoted), source.cost or 0, source.rank, source.location_id, source.inventory_type_id


RANKINGS: dict[str, Callable[[Source], tuple[int, ...]]] = {
    PRIORITY: _by_priority,
    MOST_AVAILABLE: _by_most_available,
    CHEAPEST: _by_cheapest,
}
"""Each strategy's sort key over the sources: the first in that order is tried first."""

STOCK_BLIND = frozenset({PRIORITY})
"""Strategies whose order does not depend on how much each source holds: with them, a line taken
whole from the channel's first source is what any view of the stock decides, whenever that source
covers it (what a planner working from remembered stock may rely on). Not ``cheapest``: its first
source depends on the line's variant."""

UNITS_PER_COST = 10_000
"""A cost of 1 (in the supplier's currency) as :attr:`Source.cost` counts it: costs have at most 4 places."""


def plan(quantity: int, sources: list[Source], strategy: str) -> tuple[list[Take], int]:
    """Split ``quantity`` over the sources: whole from the first ranked source that covers it, else in
    rank order. Returns the takes and the shortfall (what no source can cover)."""
    usable = [s for s in sources if s.available > 0]
    order = sorted(usable, key=RANKINGS.get(strategy, _by_priority))
    whole = next((s for s in order if s.available >= quantity), None)
    if whole is not None:
        return [Take(whole.location_id, whole.inventory_type_id, quantity)], 0
    takes: list[Take] = []
    left = quantity
    for source in order:
        if left == 0:
            break
        q = min(source.available, left)
        takes.append(Take(source.location_id, source.inventory_type_id, q))
        left -= q
    return takes, left
