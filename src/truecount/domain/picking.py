"""Pick lists: what to take, from where, for which order or work order. Pure rules.

A pick list covers what is booked at one location (its own shelf and its bins) for some orders
and work orders. Each booking becomes lines in the order a picker walks: the location's own
shelf first, then its bins by code; within a place by SKU, then the lot to take (first expiry
first out — the lots a shipment or a completion takes first), then the order or work order.
A scan ticks the first line of the scanned variant with units still to pick.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Conflict, InvalidInput
from .ledger import fefo_order, plan_fefo

MAX_SOURCES = 200  # orders (and, separately, work orders) one pick list may cover


@dataclass(frozen=True)
class Need:
    """Units booked at one level (variant, place, inventory type) for one order or work order
    (``source``: ``("order", id)`` or ``("workorder", id)``)."""

    variant_id: int
    place_id: int
    type_id: int
    source: tuple[str, int]
    quantity: int


@dataclass(frozen=True)
class Take:
    """One line to pick: ``quantity`` of a need's variant from one lot at its place."""

    need: Need
    lot: str
    quantity: int


Lots = list[tuple[str, object, int]]  # (lot code, expires_on or None, on hand) at one level


def plan_takes(needs: list[Need], lots: dict[tuple[int, int, int], Lots]) -> list[Take]:
    """The lots each need is picked from: the needs at one level share its lots first-expiry-first-out,
    in the order given; units the lots cannot name (none recorded) are taken from the unlotted stock."""
    takes: list[Take] = []
    by_level: dict[tuple[int, int, int], list[Need]] = {}
    for need in needs:
        by_level.setdefault((need.variant_id, need.place_id, need.type_id), []).append(need)
    for level, group in by_level.items():
        at = lots.get(level, [])
        total = sum(n.quantity for n in group)
        covered = min(total, sum(max(q, 0) for _, _, q in at))
        pieces = plan_fefo(at, covered) if covered else []
        if covered < total:
            pieces.append(("", total - covered))
        i, used = 0, 0  # the piece being taken from, and how much of it is taken
        for need in group:
            left = need.quantity
            while left:
                lot, size = pieces[i]
                q = min(left, size - used)
                takes.append(Take(need, lot, q))
                left -= q
                used += q
                if used == size:
                    i, used = i + 1, 0
    return takes


def walk_key(
    own_shelf: bool, place: str, sku: str, lot: str, expires: object, source: tuple[str, int]
) -> tuple[object, ...]:
    """The sort key of a line in the order a picker walks (see the module)."""
    return (not own_shelf, place, sku, fefo_order(lot, expires), source)


def parse_numbers(text: str | None, field: str) -> list[int]:
    """Numbers typed as ``12, 15`` (the CLI's options, the page's fields); refused naming ``field``."""
    parts = [p.strip() for p in (text or "").replace(" ", ",").split(",") if p.strip()]
    if not all(p.isdigit() and len(p) <= 18 for p in parts):
        raise InvalidInput(f"{text!r}: give numbers separated by commas (12,15)", field=field)
    return [int(p) for p in parts]


def check_sources(orders: list[int], work_orders: list[int]) -> None:
    """At least one order or work order, each given once, at most :data:`MAX_SOURCES` of each."""
    if not orders and not work_orders:
        raise InvalidInput("give the orders or work orders (or both) to pick for", field="orders")
    for name, ids in (("orders", orders), ("work_orders", work_orders)):
        if len(ids) > MAX_SOURCES:
            raise InvalidInput(f"at most {MAX_SOURCES} on one pick list, got {len(ids)}", field=name)
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise InvalidInput(f"listed twice: {', '.join(map(str, twice))}", field=name)


def tick(lines: list[tuple[int, int, int]], quantity: int, sku: str, pick_list: int) -> list[tuple[int, int]]:
    """Where a scan of ``quantity`` units of one variant goes: ``lines`` are that variant's
    ``(line id, quantity, picked)`` in walking order; the first with units still to pick take them.
    Refused (nothing ticked) when the variant is not on the list or the scan is more than it still asks."""
    if not lines:
        raise InvalidInput(f"{sku} is not on pick list {pick_list}: put it back", field="code")
    left = sum(q - p for _, q, p in lines)
    if quantity > left:
        asked = sum(q for _, q, _ in lines)
        raise Conflict(
            f"pick list {pick_list} asks for {asked} × {sku}, {asked - left} already picked: "
            f"{'nothing more' if not left else f'only {left} more'} to pick",
            field="code",
        )
    ticks: list[tuple[int, int]] = []
    for line_id, q, p in lines:
        if quantity == 0:
            break
        take = min(quantity, q - p)
        if take:
            ticks.append((line_id, take))
            quantity -= take
    return ticks


@dataclass(frozen=True)
class MakePickList:
    """A pick list at ``location`` for these orders and work orders (by number)."""

    location: str
    orders: list[int] = field(default_factory=list)
    work_orders: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PickScan:
    """``quantity`` units of the variant behind ``code`` (a barcode or SKU) taken for ``pick_list``."""

    pick_list: int
    code: str
    quantity: int = 1
