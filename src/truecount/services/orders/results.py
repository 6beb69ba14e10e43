"""What the orders services answer: an order as the API, the CLI and the pages show it, one order's
whole story, a refused order of a batch.

The order's types are slotted but not frozen: the booking engine builds one per order it books, and
a frozen dataclass's constructor costs three times a plain one's (it sets each field through
``object.__setattr__``). Treat them as read-only all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class LineBooking:
    """Units of ``sku`` (the line's own, or a bundle's component) booked at a location and inventory
    type: shipped, released, and still ``open`` (quantity − shipped − released)."""

    sku: str
    location: str
    inventory_type: str
    quantity: int
    shipped: int
    released: int
    open: int


@dataclass(slots=True)
class BackorderItem:
    """What a line owes of ``sku``: ordered short, allocated since, cancelled, still ``open``."""

    sku: str
    quantity: int
    allocated: int
    cancelled: int
    open: int


@dataclass(slots=True)
class Backorder:
    """What a line still owes: ``open`` units in all, an expected pre-order or an oversell, per SKU."""

    open: int = 0
    preorder: bool = False
    items: list[BackorderItem] = field(default_factory=list)


@dataclass(slots=True)
class LineSubstitute:
    """What a line ships instead of its SKU: ``quantity`` of ``sku`` (``ratio`` per unit ordered), why,
    and whether the customer must be told."""

    sku: str
    quantity: int
    ratio: int
    why: str
    notify: bool


@dataclass(slots=True)
class OrderLine:
    """An order line (numbered from 1): ordered, fulfilled, cancelled and returned units, its bookings,
    what it still owes, and the substitute it ships (``None``: its own SKU)."""

    line: int
    sku: str
    quantity: int
    fulfilled: int
    cancelled: int
    returned: int
    bookings: list[LineBooking]
    backorder: Backorder
    substitute: LineSubstitute | None = None


@dataclass(slots=True)
class OrderHead:
    """An order's own facts: its id, channel and the channel's id for it, strict or not, its status
    (open, fulfilled or cancelled) and when it was placed (ISO 8601, UTC)."""

    id: int
    channel: str
    external_id: str
    strict: bool
    status: str
    created_at: str


@dataclass(slots=True)
class Order(OrderHead):
    """An order with its lines; ``replayed``: it was already recorded (the same idempotency key, or the
    same channel and external id) and this is that order again."""

    lines: list[OrderLine]
    replayed: bool = False


@dataclass(slots=True)
class StoryLine(OrderLine):
    """An order line with what it still owes in its own units (a bundle short of two mugs owes one
    bundle), hence what can still be shipped, cancelled and returned."""

    owed_units: int = 0

    @property
    def remaining(self) -> int:
        """Units neither fulfilled nor cancelled."""
        return self.quantity - self.fulfilled - self.cancelled

    @property
    def shippable(self) -> int:
        """Units booked and waiting to ship (what is owed waits for stock)."""
        return max(self.remaining - self.owed_units, 0)

    @property
    def returnable(self) -> int:
        """Units shipped and not yet returned."""
        return self.fulfilled - self.returned

    @classmethod
    def of(cls, line: OrderLine, owed_units: int) -> StoryLine:
        """``line`` with ``owed_units``."""
        return cls(**{f.name: getattr(line, f.name) for f in fields(line)}, owed_units=owed_units)


@dataclass(frozen=True, slots=True)
class OrderIncident:
    """An oversell on the order: ``quantity`` of ``sku`` ran short on ``line``, which sold ``sold_sku``."""

    sku: str
    sold_sku: str
    line: int
    quantity: int
    cause: str
    at: str


@dataclass(frozen=True, slots=True)
class OrderMovement:
    """A movement made for the order: a booking, a shipment (with its lot), a release, a return."""

    at: str
    kind: str
    sku: str
    location: str | None
    inventory_type: str
    lot: str | None
    on_hand_delta: int
    booked_delta: int
    actor: str
    reason: str | None


@dataclass(slots=True)
class OrderStory(OrderHead):
    """One order's whole story: its lines (with what each owes in its own units), its oversell
    incidents and its history (newest first)."""

    lines: list[StoryLine]
    incidents: list[OrderIncident]
    history: list[OrderMovement]


@dataclass(frozen=True, slots=True)
class OrderError:
    """Why an order of a batch was refused: the error's code, message and details."""

    code: str
    message: str
    details: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class OrderRefused:
    """An order of a batch refused on its own (nothing of it written)."""

    external_id: str
    error: OrderError
