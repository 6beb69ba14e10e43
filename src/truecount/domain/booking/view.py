"""What a booking plan is made from: a view of the free stock, the catalogue and the channels. Plain data.

The service fills a :class:`StockView` from a read of the database, or from what the process
remembers (then ``exact`` is False: its free figures are hints, and only a plan the guarded
update alone can confirm is kept; see :attr:`planner.BatchPlan.certain`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .choice import SupplierTerms
from .sources import STOCK_BLIND

Place = tuple[int, int]  # (location, inventory type)
Level = tuple[int, int, int]  # (variant, location, inventory type)


@dataclass(frozen=True, slots=True)
class VariantFacts:
    """A variant as booking needs it. ``components``: a bundle's (component variant, units per
    bundle), in component order. ``rule``: its own supplier choice rule (its components' too),
    overriding its channels' (``None``: the channel's applies)."""

    id: int
    sku: str
    tracked: bool = True
    bundle: bool = False
    components: tuple[tuple[int, int], ...] = ()
    rule: str | None = None


@dataclass(frozen=True, slots=True)
class Substitute:
    """A variant that may ship for another one short: ``ratio`` units of it per unit ordered, on the
    channels ``channel_ids`` (``None``: every channel); ``notify``: the customer must be told."""

    variant_id: int
    sku: str
    ratio: int = 1
    channel_ids: frozenset[int] | None = None
    notify: bool = False

    def allowed_on(self, channel_id: int) -> bool:
        return self.channel_ids is None or channel_id in self.channel_ids


@dataclass(frozen=True)
class ChannelSources:
    """A channel as booking needs it: its strategy and every (location, inventory type) it may
    book from — its saleable locations (their saleable bins ranked as their parent) × the
    inventory types it sells — with the location's rank in its fulfilment order. ``dropship``: those
    of its locations that are drop-ship locations (a supplier's stock)."""

    code: str
    id: int
    strategy: str
    ranks: Mapping[Place, int]
    dropship: frozenset[int] = frozenset()

    @cached_property
    def first(self) -> Place | None:
        """The source the strategy takes a line from whenever that source covers it, whatever the
        others hold; ``None`` when that depends on the stock (most available over several sources).
        Not for a variant with a rule of its own (:attr:`VariantFacts.rule`)."""
        if not self.ranks or (self.strategy not in STOCK_BLIND and len(self.ranks) > 1):
            return None
        _, loc, itype = min((rank, loc, itype) for (loc, itype), rank in self.ranks.items())
        return loc, itype


@dataclass
class StockView:
    """Free stock (on hand − booked) per variant and place — a place missing has none — for the
    variants a batch names (bundles' components included), each line's name (SKU, or barcode)
    resolved, the batch's channels, and the batch's orders recorded before, by (channel code,
    external id). ``exact``: read in the transaction that writes (not remembered). ``costs``: per
    variant, what a unit costs at each drop-ship location a ``cheapest`` channel books from
    (:attr:`.sources.Source.cost`; ``None``: its supplier quotes no cost) — read only for such channels.
    ``substitutes``: per variant, its substitutes in the order they are tried — read only for the
    variants a plan found short (a variant missing here has none, as far as the plan needs).
    ``suppliers``: per drop-ship location a ``fastest`` or ``reliable`` rule may rank, its supplier's
    terms (a location missing has no supplier record) — read only when such a rule applies.
    ``clock``: the minute of the day (UTC) the batch is booked at (cut-off times are compared to it)."""

    variants: Mapping[str, VariantFacts]
    free: Mapping[int, Mapping[Place, int]]
    channels: Mapping[str, ChannelSources]
    recorded: Mapping[tuple[str, str], int] = field(default_factory=dict)
    exact: bool = True
    costs: Mapping[int, Mapping[int, int | None]] = field(default_factory=dict)
    substitutes: Mapping[int, tuple[Substitute, ...]] = field(default_factory=dict)
    suppliers: Mapping[int, SupplierTerms] = field(default_factory=dict)
    clock: int = 0
