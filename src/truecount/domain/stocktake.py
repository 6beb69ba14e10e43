"""Stocktake rules: what a counted figure means, what is posted at approval, who sees what. Pure.

A line's ``expected`` is the recorded on-hand when it was counted. Stock keeps moving while a
count is open (orders ship, deliveries arrive): approving posts the count *adjusted by what
moved since the line was counted*, so the variance posted is exactly the variance shown, and
no shipment or delivery made meanwhile is undone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Forbidden, TruecountError

COUNTING, APPROVED, CANCELLED = "counting", "approved", "cancelled"


@dataclass
class StocktakeClosed(TruecountError):
    """The stocktake is approved or cancelled: nothing more can be counted, approved or cancelled."""

    code = "stocktake_closed"
    status = 409


def check_open(status: str, stocktake_id: int) -> None:
    if status != COUNTING:
        raise StocktakeClosed(f"stocktake {stocktake_id} is {status}: it can no longer change", field="id")


def variance(counted: int | None, expected: int) -> int | None:
    """Counted − expected; None while the line is not counted."""
    return None if counted is None else counted - expected


def figure_to_post(counted: int, expected: int, on_hand_now: int) -> int:
    """The count posted at approval: what was counted plus what moved since (never below zero)."""
    return max(counted + (on_hand_now - expected), 0)


def sees_expected(blind: bool, may_see: bool) -> bool:
    """A blind count hides the expected figures (and so the variance) from the counter."""
    return may_see or not blind


def check_may_approve(blind: bool, may_see: bool, stocktake_id: int) -> None:
    """Whoever approves must see the variance: a blind count is approved by someone who may see it."""
    if not sees_expected(blind, may_see):
        raise Forbidden(
            f"stocktake {stocktake_id} is blind: it is approved by an admin, who sees the variance", field="role"
        )


@dataclass(frozen=True)
class StartStocktake:
    location: str
    bins: list[str] = field(default_factory=list)  # empty: the location and all its bins
    blind: bool = False


@dataclass(frozen=True)
class CountLine:
    sku: str  # SKU or barcode
    counted: int
    place: str | None = None  # the location or one of its bins (default: the stocktake's location)
    inventory_type: str = "good"
    add: bool = False  # a scan: add to what is counted so far
