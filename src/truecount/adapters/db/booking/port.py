"""The booking store's port: what the engine reads and writes through (see the package)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection

from truecount.adapters.db.together import Rows, Statement
from truecount.domain.booking.view import Place, VariantFacts


class Missed(Exception):
    """The write did not hold: a level was not hit (``levels``), an order of the batch was recorded
    meanwhile (``recorded``), or what a plan made on remembered facts assumed no longer holds
    (``names``: a SKU no longer names that variant; ``facts``: the channels changed)."""

    def __init__(self, message: str, *, levels: bool = False, recorded: bool = False, names: bool = False,
                 facts: bool = False) -> None:  # fmt: skip
        super().__init__(message)
        self.levels, self.recorded, self.names, self.facts = levels, recorded, names, facts


@dataclass(frozen=True)
class StockRead:
    """What :meth:`BookingStore.read` found. ``variants``: by name (a name found by neither SKU nor
    barcode is missing); ``free``: per variant, per place, only where something is free;
    ``recorded``: (channel id, external id) → order id; ``digest``: PostgreSQL's digest of the
    channels' facts (codes ``codes``) in the same snapshot, when asked for."""

    variants: dict[str, VariantFacts]
    free: dict[int, dict[Place, int]]
    recorded: dict[tuple[int, str], int]
    digest: str | None = None


@dataclass(slots=True)
class NewOrders:
    """New orders to record, as the columns the writes send (one list per column, no row objects):

    - per order: its channel, external id, strictness and reference (the movements' reference);
    - per line, orders in turn: its order's number in the batch (from 1), its number in the order
      (from 1), its variant and quantity;
    - per take, orders in turn, each order's takes in the global lock order (variant, location,
      type): its order's number, its line's number in the batch (from 1), the variant, location,
      inventory type and quantity.
    """

    channel_ids: list[int] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    strict: list[bool] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    line_order: list[int] = field(default_factory=list)
    line_no: list[int] = field(default_factory=list)
    line_variant: list[int] = field(default_factory=list)
    line_quantity: list[int] = field(default_factory=list)
    take_order: list[int] = field(default_factory=list)
    take_line: list[int] = field(default_factory=list)
    take_variant: list[int] = field(default_factory=list)
    take_location: list[int] = field(default_factory=list)
    take_type: list[int] = field(default_factory=list)
    take_quantity: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.channel_ids)

    def add(
        self,
        channel_id: int,
        external_id: str,
        strict: bool,
        reference: str,
        lines: Iterable[tuple[int, int]],
        takes: Iterable[tuple[int, int, int, int, int]],
    ) -> None:
        """One order: its lines (variant, quantity) and its takes (index of the line in the order,
        variant, location, type, quantity), the takes in the global lock order."""
        self.channel_ids.append(channel_id)
        self.external_ids.append(external_id)
        self.strict.append(strict)
        self.references.append(reference)
        n = len(self.channel_ids)
        before = len(self.line_variant)  # lines of the orders before this one
        for number, (variant_id, quantity) in enumerate(lines, start=1):
            self.line_order.append(n)
            self.line_no.append(number)
            self.line_variant.append(variant_id)
            self.line_quantity.append(quantity)
        for index, variant_id, location_id, type_id, quantity in takes:
            self.take_order.append(n)
            self.take_line.append(before + index + 1)
            self.take_variant.append(variant_id)
            self.take_location.append(location_id)
            self.take_type.append(type_id)
            self.take_quantity.append(quantity)

    def line_ids(self, ids: Sequence[int]) -> list[list[int]]:
        """``ids`` (one per line, in column order) grouped per order."""
        grouped: list[list[int]] = [[] for _ in self.channel_ids]
        for n, line_id in zip(self.line_order, ids, strict=True):
            grouped[n - 1].append(line_id)
        return grouped


@dataclass(frozen=True)
class Written:
    """The ids given: per order (in batch order) its id and its lines' ids (in line order)."""

    order_ids: list[int]
    line_ids: list[list[int]]


@dataclass(frozen=True)
class Checks:
    """What a plan made without reading assumed, for the write to check: each SKU still names its
    variant (tracked, no bundle), and the channels' facts still have this digest."""

    skus: Mapping[str, int]
    codes: tuple[str, ...]
    digest: str


@dataclass(frozen=True)
class Batch:
    """What one :meth:`BookingStore.write` records: for merchant ``m``, by ``actor`` at ``now``, the new
    ``orders``; ``checks``: what a plan made without reading assumed; ``along``: reads to run after
    the writes, in the same round trip where the backend can."""

    m: int
    actor: str
    now: datetime
    orders: NewOrders
    checks: Checks | None = None
    along: Sequence[Statement] = ()


@dataclass(frozen=True)
class Scope:
    """Where a read looks: the places (locations × types) and, on PostgreSQL, the channel codes
    whose facts' digest to select."""

    locations: Sequence[int]
    types: Sequence[int]
    codes: tuple[str, ...] = ()
    keys: Sequence[tuple[int, str]] = field(default_factory=list)  # (channel id, external id) to look up


class BookingStore(Protocol):
    def read(self, conn: Connection, m: int, names: set[str], where: Scope, *, lock: bool = False) -> StockRead: ...

    def write(self, conn: Connection, batch: Batch) -> tuple[Written, list[Rows]]:
        """Write ``batch``'s orders (see the package) and run its ``along`` reads after them: what was
        written, and each read's rows."""
        ...
