"""Which of a channel's sources a quantity is taken from: the allocation strategies. Pure.

A channel ranks its sources (its saleable locations × its inventory types) by a **strategy**:

- ``priority``: the channel's location order (then location, then type);
- ``most_available``: the source with most free first (then the priority order);
- ``cheapest``: the source that costs least to buy a unit of the line's variant from first — own
  stock costs nothing more, a drop-ship location costs its supplier's unit cost for the variant,
  and a drop-ship location whose supplier quotes no cost for it comes last — then the priority
  order (equal costs, own stock). Costs are compared as numbers, whatever the suppliers' currencies;
- ``fastest``: the source that ships soonest first — own stock in 0 days, a drop-ship location in
  its supplier's lead time, a day more from its cut-off time on; a drop-ship location without a
  supplier record last — then the priority order;
- ``reliable``: own stock first; then the suppliers with a history, the best share shipped on time
  first, then the fewest days to ship on average; then the suppliers without a history (and
  drop-ship locations without a supplier record) — each tie in the priority order;
- ``own_first``: every own location (any kind but ``dropship``) before every drop-ship location;
  within each group the order of the ``then`` rule (the channel's rule under a variant's
  ``own_first``; else ``priority``).

A quantity is taken **whole** from the first ranked source that covers it; when none does, it is
**split** over the sources in rank order, as much as each has; what they cannot cover is short.
A new strategy is one more entry in :data:`RANKINGS`; :func:`rule_of` says which one a variant
takes on a channel (its own rule, else the channel's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PRIORITY = "priority"
MOST_AVAILABLE = "most_available"
CHEAPEST = "cheapest"
FASTEST = "fastest"
RELIABLE = "reliable"
OWN_FIRST = "own_first"
RULES = (PRIORITY, MOST_AVAILABLE, CHEAPEST, FASTEST, RELIABLE, OWN_FIRST)
"""Every supplier choice rule, as a channel's ``allocation`` or a variant's own rule names it."""


@dataclass(frozen=True)
class Source:
    """Free stock of one variant at one location in one inventory type.

    ``rank`` is the location's place in the channel's fulfilment order (lower first). ``cost``: what a
    unit taken here costs to buy, in ten-thousandths of the supplier's currency — 0 for own stock,
    ``None`` for a drop-ship location whose supplier quotes no cost for the variant. ``own``: not a
    drop-ship location. ``days``: days until it ships (own stock 0; ``None``: no supplier record).
    ``on_time``: per mille of its supplier's purchase orders shipped on time and ``days_to_ship``
    their average days from sent to shipped, in hundredths (``None``: no history).
    """

    location_id: int
    inventory_type_id: int
    available: int
    rank: int
    cost: int | None = 0
    own: bool = True
    days: int | None = 0
    on_time: int | None = None
    days_to_ship: int | None = None


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


def _by_fastest(source: Source) -> tuple[int, ...]:
    unknown = source.days is None
    return int(unknown), source.days or 0, source.rank, source.location_id, source.inventory_type_id


def _by_reliable(source: Source) -> tuple[int, ...]:
    group = 0 if source.own else 1 if source.on_time is not None else 2
    record = (-(source.on_time or 0), source.days_to_ship or 0)
    return group, *record, source.rank, source.location_id, source.inventory_type_id


RANKINGS: dict[str, Callable[[Source], tuple[int, ...]]] = {
    PRIORITY: _by_priority,
    MOST_AVAILABLE: _by_most_available,
    CHEAPEST: _by_cheapest,
    FASTEST: _by_fastest,
    RELIABLE: _by_reliable,
}
"""Each strategy's sort key over the sources: the first in that order is tried first (``own_first``
is own stock first, then the key of its ``then`` rule: :func:`ranking`)."""


def ranking(strategy: str, then: str = PRIORITY) -> Callable[[Source], tuple[int, ...]]:
    """The sort key of ``strategy`` (``own_first``: own locations first, each group by ``then``)."""
    if strategy == OWN_FIRST:
        inner = RANKINGS.get(then, _by_priority)
        return lambda source: (int(not source.own), *inner(source))
    return RANKINGS.get(strategy, _by_priority)


def rule_of(channel_rule: str, variant_rule: str | None) -> tuple[str, str]:
    """The rule a variant is taken by on a channel, and its ``then`` (what ranks each group under
    ``own_first``): the variant's own rule when it has one — ``own_first`` then being followed by the
    channel's rule — else the channel's (``own_first`` then by ``priority``)."""
    if variant_rule is None or variant_rule == channel_rule:
        return channel_rule, PRIORITY
    return variant_rule, channel_rule if channel_rule != OWN_FIRST else PRIORITY


STOCK_BLIND = frozenset({PRIORITY})
"""Strategies whose order does not depend on how much each source holds: with them, a line taken
whole from the channel's first source is what any view of the stock decides, whenever that source
covers it (what a planner working from remembered stock may rely on). Not ``cheapest``: its first
source depends on the line's variant."""

UNITS_PER_COST = 10_000
"""A cost of 1 (in the supplier's currency) as :attr:`Source.cost` counts it: costs have at most 4 places."""


def plan(quantity: int, sources: list[Source], strategy: str, then: str = PRIORITY) -> tuple[list[Take], int]:
    """Split ``quantity`` over the sources: whole from the first ranked source that covers it, else in
    rank order. Returns the takes and the shortfall (what no source can cover)."""
    usable = [s for s in sources if s.available > 0]
    order = sorted(usable, key=ranking(strategy, then))
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
