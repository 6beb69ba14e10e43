"""Where a line is booked: the channel's allocation strategy over the available stock. Pure."""

from __future__ import annotations

from dataclasses import dataclass

PRIORITY = "priority"
MOST_AVAILABLE = "most_available"


@dataclass(frozen=True)
class Source:
    """Available stock of one variant at one location in one inventory type.

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
    location_id: int
    inventory_type_id: int
    quantity: int


def plan(quantity: int, sources: list[Source], strategy: str) -> tuple[list[Take], int]:
    """Split ``quantity`` over the sources: by priority order, or the location with most available first.

    Returns the takes and the shortfall (what no source can cover). A line is split over
    locations only when one cannot cover it; with ``most_available`` a source that covers the
    whole line is preferred even when another holds more.
    """
    usable = [s for s in sources if s.available > 0]
    if strategy == MOST_AVAILABLE:
        order = sorted(usable, key=lambda s: (-s.available, s.rank, s.location_id, s.inventory_type_id))
    else:
        order = sorted(usable, key=lambda s: (s.rank, s.location_id, s.inventory_type_id))
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
