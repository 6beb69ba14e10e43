"""Which of a channel's sources a quantity is taken from: the allocation strategies. Pure.

A channel ranks its sources (its saleable locations × its inventory types) by a **strategy**:

- ``priority``: the channel's location order (then location, then type);
- ``most_available``: the source with most free first (then the priority order).

A quantity is taken **whole** from the first ranked source that covers it; when none does, it is
**split** over the sources in rank order, as much as each has; what they cannot cover is short.
A new strategy (a supplier's price, a lead time) is one more entry in :data:`RANKINGS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PRIORITY = "priority"
MOST_AVAILABLE = "most_available"


@dataclass(frozen=True)
class Source:
    """Free stock of one variant at one location in one inventory type.

    ``rank`` is the location's place in the channel's fulfilment order (lower first).
    """

    location_id: int
    inventory_type_id: int
    available: int
    rank: int


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


RANKINGS: dict[str, Callable[[Source], tuple[int, ...]]] = {
    PRIORITY: _by_priority,
    MOST_AVAILABLE: _by_most_available,
}
"""Each strategy's sort key over the sources: the first in that order is tried first."""

STOCK_BLIND = frozenset({PRIORITY})
"""Strategies whose order does not depend on how much each source holds: with them, a line taken
whole from the channel's first source is what any view of the stock decides, whenever that source
covers it (what a planner working from remembered stock may rely on)."""


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
