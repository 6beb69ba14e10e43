"""What things cost the merchant: a variant's known unit cost and a kit's cost from what it consumed. Pure.

- A variant's **known cost** is its own unit cost when it has one, else the cheapest cost any of its
  suppliers quotes for it (whatever the supplier's currency), else unknown.
- A work order's **consumed cost** adds, for each completion, every component unit it consumed — for
  the kits built and the kits' worth scrapped alike — times that component's known cost at that
  moment. One component without a known cost makes the work order's cost unknown for good (the
  reason names the SKU); a later completion does not make it known again.
- A **kit's unit cost** is the consumed cost divided by the kits produced so far, to 4 decimal places
  (half up): scrap raises the cost of the kits that were built. No kit produced: no unit cost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

COST_QUANTUM = Decimal("0.0001")


def known_cost(own: Decimal | None, quoted: Iterable[Decimal]) -> Decimal | None:
    """The variant's own cost, else its cheapest supplier quote, else None."""
    if own is not None:
        return own
    return min(quoted, default=None)


def no_cost_reason(sku: str) -> str:
    """Why a work order's cost is unknown when ``sku`` has no known cost."""
    return f"{sku} has no cost"


@dataclass(frozen=True, slots=True)
class Consumed:
    """``quantity`` units of component ``sku`` consumed, each at ``cost`` (None: unknown)."""

    sku: str
    quantity: int
    cost: Decimal | None


@dataclass(frozen=True, slots=True)
class CostSoFar:
    """A work order's consumed cost (None: unknown) and why it is unknown."""

    consumed: Decimal | None
    unknown: str | None = None


def add_consumed(before: CostSoFar, consumed: Iterable[Consumed]) -> CostSoFar:
    """``before`` plus what one completion consumed (see the module)."""
    if before.consumed is None:
        return before
    total = before.consumed
    for c in sorted(consumed, key=lambda c: c.sku):
        if c.quantity == 0:
            continue
        if c.cost is None:
            return CostSoFar(None, no_cost_reason(c.sku))
        total += c.cost * c.quantity
    return CostSoFar(total)


def kit_unit_cost(consumed: Decimal | None, produced: int) -> Decimal | None:
    """The consumed cost per kit produced, to 4 places; None when unknown or none produced."""
    if consumed is None or produced <= 0:
        return None
    return (consumed / produced).quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)
