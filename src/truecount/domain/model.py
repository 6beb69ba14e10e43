"""The vocabulary of the ledger: movement kinds, location kinds and value objects."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MovementKind(StrEnum):
    """Every kind of ledger line."""

    RECEIVE = "receive"
    BOOK = "book"
    RELEASE = "release"
    SHIP = "ship"
    RETURN = "return"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUST = "adjust"
    COUNT = "count"
    PRODUCE = "produce"
    CONSUME = "consume"
    FEED = "feed"


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    DROPSHIP = "dropship"
    THREE_PL = "3pl"


@dataclass(frozen=True)
class Level:
    """One stock level: on_hand and booked of a variant at a location in one inventory type."""

    on_hand: int
    booked: int

    @property
    def available(self) -> int:
        return self.on_hand - self.booked


@dataclass(frozen=True)
class LedgerLine:
    """One movement as written: the deltas it applies to one level (and one lot)."""

    kind: MovementKind
    variant_id: int
    location_id: int
    inventory_type_id: int
    lot: str
    on_hand_delta: int
    booked_delta: int
    counted: int | None = None
