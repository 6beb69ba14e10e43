"""Commands: what a caller asks the services to do, as plain data (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


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
