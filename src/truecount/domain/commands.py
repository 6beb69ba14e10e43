"""Commands: what a caller asks the services to do, as plain data (imperative names)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
