"""Matching the lines of a fulfilment to a channel order's own lines: shared by every connector.

A channel names its order lines by its own ids (eBay ``lineItemId``, Amazon ``orderItemId``, Shopify
fulfillment order line items); truecount names them by SKU (and, where the order carried one, the
channel's listing reference). :func:`allocate` spreads each fulfilment line over the order lines of
that SKU, never past what is left to ship on each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import FulfilmentLine


@dataclass(frozen=True)
class ChannelLine:
    """One line of a channel order: its id on the channel, its SKU, and the units still to ship."""

    line_id: str
    sku: str
    left: int
    ref: str | None = None  # the channel's listing reference of the line (WooCommerce PRODUCT/VARIATION…)

    def carries(self, wanted: FulfilmentLine) -> bool:
        return self.sku == wanted.sku or (wanted.ref is not None and self.ref == wanted.ref)


class CannotAllocate(ValueError):
    """The order has no line of a SKU, or less left to ship than the fulfilment says."""


def allocate(lines: Sequence[FulfilmentLine], order: Sequence[ChannelLine]) -> list[tuple[str, int]]:
    """``(channel line id, units)`` covering every fulfilment line, in the order's line order."""
    left = {line.line_id: line.left for line in order}
    taken: dict[str, int] = {}
    for wanted in lines:
        need = wanted.quantity
        for line in order:
            if need == 0:
                break
            if not line.carries(wanted):
                continue
            units = min(need, left[line.line_id])
            if units > 0:
                left[line.line_id] -= units
                taken[line.line_id] = taken.get(line.line_id, 0) + units
                need -= units
        if need:
            if not any(line.carries(wanted) for line in order):
                raise CannotAllocate(f"the order has no line of SKU {wanted.sku}")
            shipped = wanted.quantity - need
            raise CannotAllocate(f"SKU {wanted.sku}: {wanted.quantity} to fulfil, the order has {shipped} left to ship")
    return [(line.line_id, taken[line.line_id]) for line in order if line.line_id in taken]
