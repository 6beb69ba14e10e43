"""Where each order line is taken from: the booking rule, one pure function of plain data.

:func:`plan_batch` takes a :class:`~.view.StockView` and a batch of :class:`PlaceOrder` commands and
decides, order after order in batch order (each order sees what the earlier ones took):

1. **resolve** — the order's channel and each line's variant (an unknown one makes the order
   invalid, naming the field); an order recorded before, or booked earlier in the batch, is a
   **replay**: it takes nothing;
2. **expand** — a line of an untracked variant takes nothing; a bundle takes itself when the
   channel's free stock of the assembled bundle covers the whole line, else its components ×
   quantity (:func:`units_of`); a line its variant's free stock at the channel's sources does not
   cover whole takes, when the order accepts substitutes, the first of the variant's substitutes
   allowed on the channel whose free stock covers the whole line × its ratio — the whole line from
   one variant, never part ordered and part substitute (:func:`substitute_for`);
3. **rank and take** — each unit from the sources its channel may book from, ranked by the
   channel's strategy: whole from the first that covers it, else split in rank order; what none
   covers is short (:func:`take`, :mod:`.sources`);
4. **settle** — a strict order with a short line takes nothing and is **refused**, naming each short
   line; a channel order keeps what it took and owes the rest (backorders);
5. **owe** (:func:`plan_preorders`, only for a plan with short booked orders, given the channels'
   ``prebook`` rules and the open ordered quantities) — a short unit is taken against future stock
   as an expected **pre-order** as far as its channel's ``prebook`` rule still allows, the rest is
   **oversold** (an incident).

A new sourcing rule — a supplier choice is a new ranking in :mod:`.sources`, substitutes a new
expansion (:func:`substitute_for`) — is written here and nowhere else: every path that books (one
order, a group, a batch, a backorder allocated to arriving stock) plans through this module.
Lots are not chosen at booking: a booking holds a (variant, location, inventory type); lots leave
first-expiry-first-out when it ships (:func:`truecount.domain.ledger.plan_fefo`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from truecount.domain.commands import PlaceOrder

from .choice import SupplierTerms, supplier_source
from .sources import CHEAPEST, FASTEST, MOST_AVAILABLE, PRIORITY, RELIABLE, Source, Take, plan, rule_of
from .view import ChannelSources, Level, Place, StockView, Substitute, VariantFacts


class Outcome(StrEnum):
    BOOKED = "booked"  # a new order: recorded with its takes (and what it owes)
    REPLAY = "replay"  # recorded before, or booked earlier in this batch: nothing taken
    REFUSED = "refused"  # strict and short: nothing written
    INVALID = "invalid"  # an unknown channel or SKU: nothing written


@dataclass(slots=True)
class Unit:
    """What a line takes of one variant: ``per_line`` of it for each unit ordered, from ``takes``;
    ``short`` units no source covered — of them ``preorder`` taken against future stock (an expected
    pre-order), the rest :attr:`oversold`; ``prebook``: its channel takes pre-orders of the variant
    (the last two set by :func:`plan_preorders`)."""

    variant_id: int
    per_line: int
    takes: list[Take]
    short: int = 0
    preorder: int = 0
    prebook: bool = False

    @property
    def oversold(self) -> int:
        """Short units beyond what the channel's ``prebook`` rule allows: an oversell incident."""
        return self.short - self.preorder


@dataclass(frozen=True, slots=True)
class Substitution:
    """A line shipped whole as a substitute: ``substitute`` (``position`` in the variant's list, from
    1), ``ratio`` of it per unit ordered, because the ordered variant had only ``ordered_free`` free
    at the channel's sources, fewer than the line."""

    substitute: Substitute
    position: int
    ordered_free: int


@dataclass(slots=True)
class PlannedLine:
    variant: VariantFacts
    quantity: int
    units: list[Unit]  # the variant itself, a bundle's components or a substitute; none when not tracked
    substitution: Substitution | None = None


@dataclass(frozen=True, slots=True)
class ShortLine:
    """A line of a refused strict order: how many of it the stock covered (in the line's units)."""

    line: int
    sku: str
    requested: int
    available: int
    missing: int


@dataclass(slots=True)
class PlannedOrder:
    cmd: PlaceOrder
    outcome: Outcome
    channel: ChannelSources | None = None
    lines: list[PlannedLine] = field(default_factory=list)
    short_lines: Sequence[ShortLine] = ()  # REFUSED
    invalid: tuple[str, str] | None = None  # INVALID: (field, message)
    recorded_id: int | None = None  # REPLAY of an order recorded before
    same_as: int | None = None  # REPLAY of the order at this index of the batch
    posted: Sequence[tuple[str, int]] = ()  # REPLAY: (SKU, quantity) per line, resolved
    certain: bool = False  # every line whole from its channel's first source (see BatchPlan.certain)
    short: bool = False  # some unit is short (a BOOKED order owes it: backorders)

    def holds(self) -> Iterator[tuple[int, int, Take]]:
        """(line index, variant, take) of every take, in the global lock order (variant, location, type)."""
        found = [
            (i, unit.variant_id, t) for i, line in enumerate(self.lines) for unit in line.units for t in unit.takes
        ]
        if len(found) > 1:
            found.sort(key=lambda h: (h[1], h[2].location_id, h[2].inventory_type_id))
        return iter(found)


@dataclass(slots=True)
class BatchPlan:
    orders: list[PlannedOrder]
    taken: dict[Level, int] = field(default_factory=dict)  # what the booked orders take per level, in total

    def booked(self) -> list[PlannedOrder]:
        return [order for order in self.orders if order.outcome is Outcome.BOOKED]

    def demand(self) -> dict[Level, int]:
        """What the booked orders take per level, in total."""
        return dict(self.taken)

    @property
    def certain(self) -> bool:
        """Every order is booked (or repeats one booked earlier in the batch) and takes each line
        whole from its channel's first source, under a strategy blind to stock: the plan any view of
        the stock gives whenever those sources hold the batch's total — which the guarded update
        checks. A plan made on remembered stock is kept only when this holds."""
        return all(
            (order.outcome is Outcome.BOOKED and order.certain)
            or (order.outcome is Outcome.REPLAY and order.same_as is not None)
            for order in self.orders
        )


class _Left:
    """Free stock as the batch's earlier orders left it: the view's, less what they took, which is
    kept per level (what the batch takes in total, a refused order's takes given back)."""

    __slots__ = ("taken", "view")

    def __init__(self, view: Mapping[int, Mapping[Place, int]]) -> None:
        self.view = view
        self.taken: dict[Level, int] = {}

    def of(self, variant_id: int) -> Mapping[Place, int]:
        free = self.view.get(variant_id, {})
        taken = self.taken
        return {(loc, t): q - taken.get((variant_id, loc, t), 0) for (loc, t), q in free.items()} if taken else free

    def move(self, variant_id: int, place: Place, delta: int) -> None:
        level = (variant_id, place[0], place[1])
        self.taken[level] = self.taken.get(level, 0) - delta

    def take_whole(self, variant_id: int, place: Place, need: int) -> bool:
        """Take ``need`` (> 0) at ``place`` if it is free there, all of it; else take nothing."""
        level = (variant_id, place[0], place[1])
        taken = self.taken.get(level, 0)
        free = self.view.get(variant_id)
        if need <= 0 or free is None or free.get(place, 0) - taken < need:
            return False
        self.taken[level] = taken + need
        return True

    def total(self) -> dict[Level, int]:
        """What was taken per level, in total."""
        return {level: q for level, q in self.taken.items() if q}


def plan_batch(view: StockView, cmds: Sequence[PlaceOrder]) -> BatchPlan:
    """The plan of ``cmds``, in batch order, on ``view`` (see the module)."""
    left = _Left(view.free)
    booked: dict[tuple[str, str], int] = {}
    orders: list[PlannedOrder] = []
    for index, cmd in enumerate(cmds):
        order = _plan_order(view, left, booked, cmd)
        if order.outcome is Outcome.BOOKED:
            booked[(cmd.channel, cmd.external_id)] = index
        orders.append(order)
    return BatchPlan(orders, left.total())


def _plan_order(view: StockView, left: _Left, booked: dict[tuple[str, str], int], cmd: PlaceOrder) -> PlannedOrder:
    channel = view.channels.get(cmd.channel)
    if channel is None:
        return PlannedOrder(cmd, Outcome.INVALID, invalid=("channel", f"no channel {cmd.channel!r}"))
    names = view.variants
    specs = cmd.lines
    try:
        variants = [names[specs[0].sku]] if len(specs) == 1 else [names[spec.sku] for spec in specs]
    except KeyError:
        i, sku = next((i, spec.sku) for i, spec in enumerate(specs) if spec.sku not in names)
        return PlannedOrder(
            cmd, Outcome.INVALID, channel, invalid=(f"lines[{i}].sku", f"no variant with SKU or barcode {sku!r}")
        )
    key = (cmd.channel, cmd.external_id)
    recorded = view.recorded.get(key) if view.recorded else None
    earlier = booked.get(key)
    if recorded is not None or earlier is not None:
        posted = [(variant.sku, spec.quantity) for spec, variant in zip(specs, variants, strict=True)]
        same_as = None if recorded is not None else earlier
        return PlannedOrder(cmd, Outcome.REPLAY, channel, recorded_id=recorded, same_as=same_as, posted=posted)
    lines: list[PlannedLine] = []
    first = channel.first
    certain = first is not None
    short = False
    free, taken = left.view, left.taken
    for spec, variant in zip(specs, variants):  # noqa: B905 (one variant per line, just made)
        need = spec.quantity
        # The channel's first source, when it covers the whole line, is where take() takes it whatever
        # the others hold (ChannelSources.first): the common line, decided without ranking the sources.
        # (What _Left.take_whole does, inline: this is the line almost every order has.)
        rule = variant.rule
        if first is not None and variant.tracked and not variant.bundle and need > 0 and rule is None:
            vid = variant.id
            level = (vid, first[0], first[1])
            before = taken.get(level, 0)
            at = free.get(vid)
            if at is not None and at.get(first, 0) - before >= need:
                taken[level] = before + need
                lines.append(PlannedLine(variant, need, [Unit(vid, 1, [_take(first[0], first[1], need)])]))
                continue
        units = units_of(variant, need, channel, left)
        substitution = None
        if cmd.takes_substitutes and units and not variant.bundle and variant.id in view.substitutes:
            substitution = substitute_for(variant, need, channel, left, view.substitutes[variant.id])
            if substitution is not None:
                units = [Unit(substitution.substitute.variant_id, substitution.substitute.ratio, [])]
                certain = False
        if rule is not None:
            certain = False  # the variant's own rule: not the channel's first source
        for unit in units:
            costs = view.costs.get(unit.variant_id) if CHEAPEST in (channel.strategy, rule) else None
            takes, unit.short = take(
                unit.per_line * spec.quantity, left.of(unit.variant_id), channel, costs,
                rule=rule, suppliers=view.suppliers, clock=view.clock,
            )  # fmt: skip
            unit.takes = takes
            for t in takes:
                left.move(unit.variant_id, (t.location_id, t.inventory_type_id), -t.quantity)
            if unit.short:
                short = True
                certain = False
            elif certain and (
                variant.bundle or len(takes) != 1 or (takes[0].location_id, takes[0].inventory_type_id) != first
            ):
                certain = False
        if not units:
            certain = False  # untracked: nothing for the guarded update to confirm
        lines.append(PlannedLine(variant, spec.quantity, units, substitution))
    if cmd.strict and short:
        for line in lines:  # give back what the refused order took
            for unit in line.units:
                for t in unit.takes:
                    left.move(unit.variant_id, (t.location_id, t.inventory_type_id), t.quantity)
        return PlannedOrder(cmd, Outcome.REFUSED, channel, lines, short_lines=_short_lines(cmd, lines), short=True)
    return PlannedOrder(cmd, Outcome.BOOKED, channel, lines, certain=certain, short=short)


_take = lru_cache(maxsize=1024)(Take)  # a Take is frozen: the batch's lines share one per (place, quantity)


def units_of(variant: VariantFacts, quantity: int, channel: ChannelSources, left: _Left) -> list[Unit]:
    """What a line of ``quantity`` × ``variant`` takes: nothing when it is not tracked; a bundle
    itself when the channel's free assembled stock covers the whole line, else its components ×
    quantity (never half assembled, half parts); any other variant itself."""
    if not variant.tracked:
        return []
    if variant.bundle and _free_at(left, variant.id, channel) < quantity:
        return [Unit(component, per, []) for component, per in variant.components]
    return [Unit(variant.id, 1, [])]


def _free_at(left: _Left, variant_id: int, channel: ChannelSources) -> int:
    """The variant's free stock at the channel's sources, after the batch's earlier takes."""
    return sum(free for place, free in left.of(variant_id).items() if free > 0 and place in channel.ranks)


def substitute_for(
    variant: VariantFacts, quantity: int, channel: ChannelSources, left: _Left, substitutes: Sequence[Substitute]
) -> Substitution | None:
    """The substitute a line of ``quantity`` × ``variant`` ships instead, if any: only when the
    variant's own free stock at the channel's sources does not cover the whole line, the first of
    ``substitutes`` (in list order) allowed on the channel whose free stock there covers the whole
    line × its ratio. ``None``: the line takes its own variant (as far as it goes)."""
    own = _free_at(left, variant.id, channel)
    if own >= quantity:
        return None
    for position, sub in enumerate(substitutes, start=1):
        if sub.allowed_on(channel.id) and _free_at(left, sub.variant_id, channel) >= quantity * sub.ratio:
            return Substitution(sub, position, own)
    return None


def take(
    need: int,
    free: Mapping[Place, int],
    channel: ChannelSources,
    costs: Mapping[int, int | None] | None = None,
    *,
    rule: str | None = None,
    suppliers: Mapping[int, SupplierTerms] | None = None,
    clock: int = 0,
) -> tuple[list[Take], int]:
    """``need`` units from the free stock at ``channel``'s sources, by the rule the variant is taken
    by there (``rule``, the variant's own, else the channel's: :func:`.sources.rule_of`): the takes
    and what no source covers. ``costs``: a unit's cost at each drop-ship location (by location; any
    other costs 0), which ``cheapest`` ranks by; ``suppliers``: the terms of the supplier behind each
    drop-ship location and ``clock`` the minute of the day, which ``fastest`` and ``reliable`` rank by."""
    ranks = channel.ranks
    usable = [(place, q) for place, q in free.items() if q > 0 and place in ranks]
    if len(usable) == 1 and usable[0][1] >= need:  # one place holds it all: what plan() takes
        (loc, itype), _ = usable[0]
        return [Take(loc, itype, need)], 0
    at = costs or {}
    if rule is None and channel.strategy in _BLIND_TO_SUPPLIERS:  # the common case: no supplier facts to rank by
        sources = [Source(loc, itype, q, ranks[(loc, itype)], at.get(loc, 0)) for (loc, itype), q in usable]
        return plan(need, sources, channel.strategy)
    strategy, then = rule_of(channel.strategy, rule)
    if not (strategy in _BY_SUPPLIER or then in _BY_SUPPLIER):
        sources = [
            Source(loc, itype, q, ranks[(loc, itype)], at.get(loc, 0), loc not in channel.dropship)
            for (loc, itype), q in usable
        ]
        return plan(need, sources, strategy, then)
    terms = suppliers or {}
    sources = [
        Source(loc, itype, q, ranks[(loc, itype)], at.get(loc, 0))
        if loc not in channel.dropship
        else supplier_source(loc, itype, q, ranks[(loc, itype)], at.get(loc, 0), terms.get(loc), clock)
        for (loc, itype), q in usable
    ]
    return plan(need, sources, strategy, then)


_BY_SUPPLIER = frozenset({FASTEST, RELIABLE})  # rules that rank by the supplier's terms
_BLIND_TO_SUPPLIERS = frozenset({PRIORITY, MOST_AVAILABLE, CHEAPEST})  # ... and rules that never look at `own`


def _short_lines(cmd: PlaceOrder, lines: list[PlannedLine]) -> list[ShortLine]:
    """Each line the stock did not cover, in the line's own units (a bundle line: the fewest
    complete bundles its components cover)."""
    found = []
    for number, (spec, line) in enumerate(zip(cmd.lines, lines, strict=True), start=1):
        if not line.units:
            continue
        covered = min((u.per_line * spec.quantity - u.short) // u.per_line for u in line.units)
        if covered < spec.quantity:
            found.append(ShortLine(number, spec.sku, spec.quantity, covered, spec.quantity - covered))
    return found


def plan_preorders(
    plan: BatchPlan, prebook: Mapping[tuple[int, int], int | None], open_ordered: Mapping[int, int]
) -> None:
    """Split each short unit of the booked orders into pre-order and oversold (step 5 of the module).

    ``prebook``: per (channel id, variant) with a ``prebook P`` rule, ``P`` (``None``: no limit).
    ``open_ordered``: per variant, units booked at every location plus still owed, before this
    batch. A rule allows pre-orders while the variant's open ordered quantity — the batch's
    bookings and what its earlier units owe included, in batch order — is below ``P``.
    """
    open_now = dict(open_ordered)
    for (variant_id, _, _), quantity in plan.demand().items():
        open_now[variant_id] = open_now.get(variant_id, 0) + quantity
    for order in plan.orders:
        if order.outcome is not Outcome.BOOKED or not order.short or order.channel is None:
            continue
        for line in order.lines:
            for unit in line.units:
                if not unit.short:
                    continue
                rule = (order.channel.id, unit.variant_id)
                unit.prebook = rule in prebook
                limit = prebook.get(rule)
                if not unit.prebook:
                    unit.preorder = 0
                elif limit is None:
                    unit.preorder = unit.short
                else:
                    unit.preorder = max(0, min(unit.short, limit - open_now.get(unit.variant_id, 0)))
                open_now[unit.variant_id] = open_now.get(unit.variant_id, 0) + unit.short
