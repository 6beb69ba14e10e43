"""Commands: what a caller asks the services to do, as plain data (imperative names)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .pricing import PriceRule


@dataclass(frozen=True)
class OrderLineSpec:
    """One line of an order: a SKU (or barcode) and how many."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class PlaceOrder:
    """An order from a channel (``strict=False``: already sold, never refused) or a strict reservation.

    ``substitutes``: whether a line its variant cannot cover may ship a substitute (where the
    substitute's channels allow it); ``None``: no for a strict order, yes for a channel order."""

    channel: str
    external_id: str
    lines: list[OrderLineSpec] = field(default_factory=list)
    strict: bool = False
    substitutes: bool | None = None

    @property
    def takes_substitutes(self) -> bool:
        """Whether this order's short lines may ship substitutes (see ``substitutes``)."""
        return self.substitutes if self.substitutes is not None else not self.strict


@dataclass(frozen=True)
class LineChange:
    """Fulfil, cancel or return ``quantity`` of an order line's ``sku``: shipped from ``location`` (or
    where it is booked), returned into ``location`` and ``inventory_type`` (or where it left, good)."""

    sku: str
    quantity: int
    location: str | None = None
    inventory_type: str | None = None


@dataclass(frozen=True)
class ComponentSpec:
    sku: str
    quantity: int


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    barcodes: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    tracked: bool = True
    discontinued: bool = False
    sellable_from: date | None = None
    components: list[ComponentSpec] = field(default_factory=list)
    for_sale: bool = True  # False: a raw material, never offered
    mode: str | None = None  # how a variant with components is sold (default virtual: a bundle)


@dataclass(frozen=True)
class AddProduct:
    name: str
    variants: list[VariantSpec]


@dataclass(frozen=True)
class AddLocation:
    code: str
    name: str
    kind: str = "warehouse"
    saleable: bool = True
    parent: str | None = None
    priority: int = 100


@dataclass(frozen=True)
class EditVariant:
    """What to change on a variant; ``None`` leaves a field as it is."""

    sku: str
    discontinued: bool | None = None
    sellable_from: date | str | None = None  # a date, or "unset" (the services' UNSET) to clear it
    for_sale: bool | None = None  # False: a raw material, counted and booked, never offered
    unit_cost: str | None = None  # a decimal string (at most 4 places, not negative), or "unset" to clear it
    options: dict[str, str] | None = None  # replaces the options
    add_barcodes: list[str] = field(default_factory=list)
    remove_barcodes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EditLocation:
    """What to change on a location; ``None`` leaves a field as it is."""

    code: str
    name: str | None = None
    kind: str | None = None
    saleable: bool | None = None
    parent: str | None = None  # a location's code, or "" (the services' NO_PARENT): top level
    priority: int | None = None


@dataclass(frozen=True)
class CreateChannel:
    code: str
    kind: str
    locations: list[str]
    inventory_types: list[str] | None = None  # None: every type that is sellable by default
    allocation: str = "priority"
    push: str = "immediate"
    push_interval_s: float = 600.0
    always_in_stock: int = 100
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SetRule:
    """``kind`` with what it takes: reserve/prebook/fixed/cap ``quantity``; percent ``percent`` and
    optionally ``location``; optional modifiers ``reserve`` (percent) and ``cap`` (percent, reserve, prebook)."""

    kind: str
    quantity: int | None = None
    percent: Decimal | float | str | None = None
    location: str | None = None
    reserve: int | None = None
    cap: int | None = None


@dataclass(frozen=True)
class EditChannel:
    """A channel's set-up as the set-up page edits it: every field is given."""

    code: str
    locations: list[str]  # in the channel's order (ties of equal location priority follow it)
    inventory_types: list[str]
    allocation: str
    push: str
    push_interval_s: float
    always_in_stock: int


@dataclass(frozen=True)
class SetTracker:
    """Watch one (SKU, inventory type) by one mechanism with these parameters."""

    sku: str
    inventory_type: str
    mechanism: str
    params: dict[str, Any]


@dataclass(frozen=True)
class PostMovement:
    """One act on stock, as a person or a feed states it.

    ``quantity`` means: received/returned units (receive, return), the signed change
    (adjust), the counted figure (count), units moved (transfer), the supplier's
    reported figure (feed).
    """

    kind: str
    sku: str
    location: str
    quantity: int
    to_location: str | None = None
    inventory_type: str = "good"
    lot: str | None = None
    expires_on: date | None = None
    reason: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ListingChange:
    """What to change of a listing; ``None`` leaves a part as it is. ``steps``: the new quantity rule
    (text such as ``cap=20`` or ``{op, value, location}`` objects); ``clear_steps``: back to the channel's
    rule for the variant. ``price``: the price rule (its JSON form, or its text parts such as
    ``["cost+40%", "floor=24.99"]``); ``clear_price``: no price (none is pushed)."""

    units_per_sale: int | None = None
    steps: Sequence[str | dict[str, Any]] | None = None
    clear_steps: bool = False
    price: PriceRule | Mapping[str, Any] | Sequence[str] | None = None
    clear_price: bool = False


@dataclass(frozen=True)
class Scan:
    mode: str
    code: str
    location: str
    to_location: str | None = None
    quantity: int = 1
