"""Booking written plainly, for the property tests: a dict of levels, orders applied one at a time.

Nothing here is shared with the engine (``truecount.domain.booking``): the rules are written again
from the product's words, as simply as they can be, so that a test can hold the engine to them.

- A channel books from its saleable locations (a saleable bin ranks as its parent) in its order
  (location priority, then code), and from the inventory types it sells.
- ``priority``: the first source (rank, location, type) that covers the whole quantity;
  ``most_available``: the source with most free that covers it. None covers it: split in that
  order, as much as each has; the rest is short.
- An untracked variant takes nothing. A bundle takes itself when the channel's free assembled
  stock covers the whole line, else each component × quantity.
- A strict order short anywhere takes nothing and is refused, naming each short line (in the line's
  units: a bundle line counts the complete bundles its components cover). A channel order keeps
  what it took and owes the rest.
- A line of a tracked variant that is no bundle, which the variant's free stock at the channel's
  sources does not cover whole, ships the first of its substitutes (in list order) that the channel
  may sell and whose free stock there covers the whole line × its ratio — when the order accepts
  substitutes (a strict order only when it says so, a channel order unless it says not). Otherwise
  it takes its own variant as far as it goes. A substitute's own substitutes are not followed.
- An order recorded before (same channel and external id) takes nothing: with the same quantity of
  each SKU it is a replay; with other quantities it is refused, naming each SKU that differs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from truecount.services.orders.results import Order, OrderRefused

Level = tuple[str, str, str]  # sku, location, inventory type


@dataclass(frozen=True)
class Place:
    code: str
    priority: int
    parent: str | None = None
    saleable: bool = True


@dataclass(frozen=True)
class Outlet:
    """A channel: its locations (codes), inventory types and strategy."""

    code: str
    locations: tuple[str, ...]
    types: tuple[str, ...]
    strategy: str


@dataclass
class Reference:
    places: dict[str, Place]
    outlets: dict[str, Outlet]
    tracked: dict[str, bool]  # sku -> tracked
    bundles: dict[str, list[tuple[str, int]]]  # bundle sku -> [(component sku, per bundle)]
    barcodes: dict[str, str] = field(default_factory=dict)  # barcode -> sku
    # sku -> [(substitute sku, ratio, channel codes that allow it or None for all)], in list order
    substitutes: dict[str, list[tuple[str, int, tuple[str, ...] | None]]] = field(default_factory=dict)
    on_hand: dict[Level, int] = field(default_factory=dict)
    booked: dict[Level, int] = field(default_factory=dict)
    recorded: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)  # → units per SKU
    created: list[str] = field(default_factory=list)  # location codes in creation order (their ids' order)
    types: tuple[str, ...] = ("good", "damaged")  # inventory types in creation order

    def free(self, level: Level) -> int:
        return self.on_hand.get(level, 0) - self.booked.get(level, 0)

    def sources(self, outlet: Outlet) -> list[tuple[int, str, str]]:
        """(rank, location, type) the channel may book from."""
        listed = outlet.locations
        roots = sorted(listed, key=lambda code: (self.places[code].priority, listed.index(code), code))
        found: dict[str, int] = {}
        for rank, root in enumerate(roots):
            for code, place in sorted(self.places.items(), key=lambda item: (item[1].priority, item[0])):
                node: str | None = code
                while node is not None and node != root:
                    node = self.places[node].parent
                if node == root and place.saleable and self.places[root].saleable and code not in found:
                    found[code] = rank
        return [(rank, loc, t) for loc, rank in found.items() for t in outlet.types]

    def take(self, sku: str, quantity: int, outlet: Outlet) -> tuple[list[tuple[str, str, int]], int]:
        """Where ``quantity`` of ``sku`` comes from for this channel (not yet booked), and the shortfall."""
        options = [(rank, loc, t, self.free((sku, loc, t))) for rank, loc, t in self.sources(outlet)]
        options = [o for o in options if o[3] > 0]
        if outlet.strategy == "most_available":
            options.sort(key=lambda o: (-o[3], o[0], self.created.index(o[1]), self.types.index(o[2])))
        else:
            options.sort(key=lambda o: (o[0], self.created.index(o[1]), self.types.index(o[2])))
        for _, loc, t, free in options:
            if free >= quantity:
                return [(loc, t, quantity)], 0
        takes, left = [], quantity
        for _, loc, t, free in options:
            if left:
                q = min(free, left)
                takes.append((loc, t, q))
                left -= q
        return takes, left

    def at_outlet(self, sku: str, outlet: Outlet) -> int:
        """Free stock of ``sku`` at the channel's sources."""
        return sum(max(0, self.free((sku, loc, t))) for _, loc, t in self.sources(outlet))

    def substitute(self, sku: str, quantity: int, outlet: Outlet) -> tuple[str, int] | None:
        """The substitute a line ships instead, with its ratio, when its variant does not cover it."""
        if sku in self.bundles or self.at_outlet(sku, outlet) >= quantity:
            return None
        for other, ratio, channels in self.substitutes.get(sku, []):
            if (channels is None or outlet.code in channels) and self.at_outlet(other, outlet) >= quantity * ratio:
                return other, ratio
        return None

    def place(
        self, channel: str, external_id: str, lines: list[tuple[str, int]], strict: bool, subs: bool | None = None
    ) -> dict[str, Any]:
        """Apply one order; its answer in the shape :func:`comparable` gives the service's."""
        outlet = self.outlets.get(channel)
        if outlet is None:
            return {"error": "not_found", "field": "channel"}
        skus = []
        for i, (name, _) in enumerate(lines):
            sku = name if name in self.tracked else self.barcodes.get(name)
            if sku is None:
                return {"error": "not_found", "field": f"lines[{i}].sku"}
            skus.append(sku)
        units: dict[str, int] = {}
        for sku, (_, quantity) in zip(skus, lines, strict=True):
            units[sku] = units.get(sku, 0) + quantity
        before = self.recorded.get((channel, external_id))
        if before is not None:
            differ = [
                {"field": "lines", "sku": sku, "posted": units.get(sku, 0), "recorded": before.get(sku, 0),
                 "reason": f"{sku}: posted {units.get(sku, 0)}, recorded {before.get(sku, 0)}"}
                for sku in sorted(set(units) | set(before))
                if units.get(sku, 0) != before.get(sku, 0)
            ]  # fmt: skip
            return {"error": "order_lines_differ", "details": differ} if differ else {"replayed": True}
        answer: list[dict[str, Any]] = []
        shorts: list[dict[str, Any]] = []
        booked: list[tuple[Level, int]] = []
        for number, (sku, (_, quantity)) in enumerate(zip(skus, lines, strict=True), start=1):
            held: list[tuple[str, str, str, int]] = []
            owed = 0
            covered = quantity
            swapped = None
            if self.tracked[sku]:
                parts = [(sku, 1)]
                if sku in self.bundles:
                    if self.at_outlet(sku, outlet) < quantity:
                        parts = self.bundles[sku]
                elif (subs if subs is not None else not strict) and (found := self.substitute(sku, quantity, outlet)):
                    parts = [found]
                    swapped = found[0]
                for part, per in parts:
                    takes, short = self.take(part, per * quantity, outlet)
                    for loc, t, q in takes:
                        self.booked[(part, loc, t)] = self.booked.get((part, loc, t), 0) + q
                        booked.append(((part, loc, t), q))
                        held.append((part, loc, t, q))
                    owed += short
                    covered = min(covered, (per * quantity - short) // per)
            if covered < quantity:
                shorts.append({"line": number, "sku": lines[number - 1][0], "requested": quantity,
                               "available": covered, "missing": quantity - covered})  # fmt: skip
            answer.append(
                {"sku": sku, "quantity": quantity, "bookings": sorted(held), "owed": owed, "substitute": swapped}
            )
        if strict and shorts:
            for level, q in booked:
                self.booked[level] -= q
            return {"error": "insufficient_stock", "details": shorts}
        self.recorded[(channel, external_id)] = units
        return {"replayed": False, "lines": answer}

    def levels(self) -> dict[Level, tuple[int, int]]:
        keys = set(self.on_hand) | set(self.booked)
        found = {k: (self.on_hand.get(k, 0), self.booked.get(k, 0)) for k in keys}
        return {k: v for k, v in found.items() if v != (0, 0)}


def comparable(result: Order | OrderRefused | dict[str, Any]) -> dict[str, Any]:
    """The service's answer (an order, a replay or an error entry) in the reference's shape."""
    if isinstance(result, Order | OrderRefused):
        result = asdict(result)
    if "error" in result:
        error = result["error"]
        if error["code"] in ("insufficient_stock", "order_lines_differ"):
            return {"error": error["code"], "details": error["details"]}
        return {"error": error["code"], "field": error.get("field")}
    if result.get("replayed"):
        return {"replayed": True}
    lines = []
    for line in result["lines"]:
        held = sorted((b["sku"], b["location"], b["inventory_type"], b["quantity"]) for b in line["bookings"])
        swapped = line["substitute"]["sku"] if line.get("substitute") else None
        lines.append({"sku": line["sku"], "quantity": line["quantity"], "bookings": held,
                      "owed": line["backorder"]["open"], "substitute": swapped})  # fmt: skip
    return {"replayed": False, "lines": lines}
