"""A supplier's shipment of a drop-ship purchase order (tracking back): what it must say, which
purchase order lines it ships, and the state the purchase order is in after it. Pure.

A shipment names a carrier and a tracking number (an optional tracking URL) and, optionally, lines
``SKU:QTY`` in our SKUs; without lines it ships everything still open on the purchase order. A
quantity asked of a SKU is taken from the purchase order's open lines of that SKU in their order
(oldest first). One shipment per purchase order and tracking number: the same tracking number with
the same lines again is the same shipment (nothing new), with other lines it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import purchase_orders as po_rules
from .errors import Conflict, InvalidInput
from .fulfilments import TRACKING_MAX

MAX_CARRIER = 64
MAX_TRACKING = TRACKING_MAX  # what a channel's fulfilment takes
MAX_URL = 500
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")

SOURCES = ("cli", "api", "csv", "mail", "web")


@dataclass(frozen=True, slots=True)
class ShipLine:
    """``quantity`` units of our ``sku`` (as the purchase order line names it)."""

    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ShipPurchaseOrder:
    """Record a supplier's shipment: carrier, tracking number, optional tracking URL, and the lines it
    carries (None: everything still open on the purchase order)."""

    carrier: str
    tracking: str
    tracking_url: str | None = None
    lines: tuple[ShipLine, ...] | None = None


def check(command: ShipPurchaseOrder, max_quantity: int, prefix: str = "") -> ShipPurchaseOrder:
    """The command with its texts trimmed, or :class:`InvalidInput` naming the first bad field
    (``prefix`` before each field name: a CSV row's or an API body's place)."""
    carrier = command.carrier.strip() if isinstance(command.carrier, str) else ""
    if not carrier or len(carrier) > MAX_CARRIER:
        raise InvalidInput(f"must name the carrier (1 to {MAX_CARRIER} characters)", field=f"{prefix}carrier")
    tracking = command.tracking.strip() if isinstance(command.tracking, str) else ""
    if not tracking:
        raise InvalidInput("must not be empty", field=f"{prefix}tracking")
    if len(tracking) > MAX_TRACKING or not _TRACKING.fullmatch(tracking):
        raise InvalidInput(
            f"{tracking[:40]!r} must be letters, digits and . _ / - (at most {MAX_TRACKING}), no spaces",
            field=f"{prefix}tracking",
        )
    url = command.tracking_url.strip() if command.tracking_url else None
    if url is not None and (len(url) > MAX_URL or not re.fullmatch(r"https?://\S+", url)):
        raise InvalidInput(f"must be an http(s) address of at most {MAX_URL} characters", field=f"{prefix}tracking_url")
    lines = command.lines
    if lines is not None:
        if not lines:
            raise InvalidInput("must name at least one SKU:QTY (or be left out: everything open)", field="lines")
        for i, line in enumerate(lines):
            if not isinstance(line.sku, str) or not line.sku.strip():
                raise InvalidInput("must not be empty", field=f"{prefix}lines[{i}].sku")
            q = line.quantity
            if isinstance(q, bool) or not isinstance(q, int) or not 0 < q <= max_quantity:
                raise InvalidInput("must be a whole number greater than zero", field=f"{prefix}lines[{i}].quantity")
        lines = tuple(ShipLine(x.sku.strip(), x.quantity) for x in lines)
    return ShipPurchaseOrder(carrier, tracking, url, lines)


def parse_line(text: str, i: int) -> ShipLine:
    """``SKU:QTY`` (the CLI's ``--line``), refused naming ``lines[i]``."""
    sku, sep, qty = text.rpartition(":")
    if not sep or not sku.strip() or not qty.strip().isdigit():
        raise InvalidInput(f"{text!r} must be SKU:QTY (for example SNK:2)", field=f"lines[{i}]")
    return ShipLine(sku.strip(), int(qty))


@dataclass(frozen=True, slots=True)
class OpenLine:
    """A purchase order line as a shipment sees it: its id, our SKU and the units still open."""

    id: int
    sku: str
    open: int


def allocate(number: str, lines: Sequence[OpenLine], wanted: tuple[ShipLine, ...] | None) -> dict[int, int]:
    """Units per purchase order line id the shipment ships. ``wanted`` None: every open unit. A SKU
    the purchase order does not carry, or more than is open of it, is refused naming the line."""
    if wanted is None:
        everything = {x.id: x.open for x in lines if x.open > 0}
        if not everything:
            raise Conflict(f"purchase order {number} has nothing left open to ship", field="lines")
        return everything
    left = {x.id: x.open for x in lines}
    shipped: dict[int, int] = {}
    for i, want in enumerate(wanted):
        mine = [x for x in lines if x.sku == want.sku]
        if not mine:
            raise InvalidInput(f"purchase order {number} has no line for {want.sku!r}", field=f"lines[{i}].sku")
        still = sum(left[x.id] for x in mine)
        if want.quantity > still:
            raise InvalidInput(
                f"only {still} of {want.sku} open on purchase order {number}", field=f"lines[{i}].quantity"
            )
        q = want.quantity
        for x in mine:
            take = min(q, left[x.id])
            if take:
                left[x.id] -= take
                shipped[x.id] = shipped.get(x.id, 0) + take
                q -= take
    return shipped


def same_lines(recorded: dict[str, int], wanted: tuple[ShipLine, ...] | None) -> bool:
    """Whether a repeat names what the recorded shipment carried (units per SKU); None always does."""
    if wanted is None:
        return True
    asked: dict[str, int] = {}
    for line in wanted:
        asked[line.sku] = asked.get(line.sku, 0) + line.quantity
    return asked == recorded


def state_after(lines: Sequence[tuple[int, int, int]]) -> str:
    """The purchase order's state once shipped: ``closed`` when every line (quantity, cancelled,
    shipped) is shipped or cancelled, else ``shipped``."""
    done = all(cancelled + shipped >= quantity for quantity, cancelled, shipped in lines)
    return po_rules.CLOSED if done else po_rules.SHIPPED
