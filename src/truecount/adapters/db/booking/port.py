"""The booking store's port: what the engine reads and writes through (see the package)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True, slots=True)
class NewOrder:
    """One order to record: its lines (variant, quantity) and its takes (line index, variant,
    location, type, quantity), the takes in the global lock order (variant, location, type)."""

    channel_id: int
    external_id: str
    strict: bool
    reference: str
    lines: Sequence[tuple[int, int]]
    takes: Sequence[tuple[int, int, int, int, int]]


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
    orders: Sequence[NewOrder]
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
