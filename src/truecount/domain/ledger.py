"""Pure rules of the ledger: which movements are meaningful and what deltas they apply."""

from __future__ import annotations

from .errors import InsufficientStock, InvalidInput
from .model import Level, MovementKind

#: The largest figure stored anywhere (a level, a booking, an offer): a signed 64-bit integer, the same
#: on SQLite and PostgreSQL. A write that would take a level above it is refused (422), nothing written.
MAX_STORED_QUANTITY = 2**63 - 1
#: Why such a write is refused (the API and the CLI say it with ``field="quantity"``).
PAST_STORED_LIMIT = (
    f"would take a stored figure past the largest one stored ({MAX_STORED_QUANTITY}): nothing was written"
)
#: The largest quantity one request (a movement, an order line, a count) may carry: the ceiling of the
#: ``max_quantity`` setting. Far below :data:`MAX_STORED_QUANTITY`, so sums of many stay storable.
MAX_REQUEST_QUANTITY = 10**12

#: Kinds a person or a feed may post directly; booking kinds come from orders.
DIRECT_KINDS = frozenset(
    {
        MovementKind.RECEIVE,
        MovementKind.ADJUST,
        MovementKind.COUNT,
        MovementKind.RETURN,
        MovementKind.FEED,
        MovementKind.TRANSFER_OUT,
    }
)


def check_quantity(quantity: int, *, field: str, max_quantity: int, allow_zero: bool = False) -> int:
    """A positive (or, where meaningful, zero) whole number no larger than ``max_quantity``."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput("must be a whole number", field=field)
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise InvalidInput("must be greater than zero" if not allow_zero else "must not be negative", field=field)
    if quantity > max_quantity:
        raise InvalidInput(f"is absurdly large (more than {max_quantity})", field=field)
    return quantity


def check_delta(delta: int, *, field: str, max_quantity: int) -> int:
    """A non-zero adjustment no larger in size than ``max_quantity``."""
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise InvalidInput("must be a whole number", field=field)
    if delta == 0:
        raise InvalidInput("must not be zero: an adjustment that changes nothing", field=field)
    if abs(delta) > max_quantity:
        raise InvalidInput(f"is absurdly large (more than {max_quantity})", field=field)
    return delta


def count_delta(counted: int, expected_on_hand: int) -> int:
    """A stocktake records reality: the delta is counted − expected."""
    return counted - expected_on_hand


def check_take(level: Level, quantity: int, *, field: str = "quantity") -> None:
    """Transfers and adjustments take only available stock, never booked stock."""
    if quantity > level.available:
        raise InsufficientStock(
            f"only {max(level.available, 0)} available (on hand {level.on_hand}, booked {level.booked}), "
            f"{quantity} requested",
            field=field,
            details=[{"available": level.available, "requested": quantity}],
        )


def fefo_order(code: str, expires: object) -> tuple[int, str, str]:
    """Where a lot comes in first-expiry-first-out: lots with an expiry date first, earliest first;
    then lots without one; the unlotted stock ("") last."""
    if expires is not None:
        return (0, str(expires), code)
    return (1 if code else 2, "", code)


def plan_fefo(lots: list[tuple[str, object, int]], quantity: int) -> list[tuple[str, int]]:
    """Which lots a take of ``quantity`` comes from: first expiry first out.

    ``lots`` are ``(code, expires_on or None, on_hand)``. Lots with an expiry date leave
    first, earliest first; then stock without an expiry date, the unlotted stock ("") last.
    Returns ``(lot code, quantity)`` pairs summing to ``quantity``; raises if there is not enough.
    """

    plan: list[tuple[str, int]] = []
    left = quantity
    for code, _expires, on_hand in sorted(lots, key=lambda lot: fefo_order(lot[0], lot[1])):
        if left == 0:
            break
        take = min(on_hand, left)
        if take > 0:
            plan.append((code, take))
            left -= take
    if left:
        raise InsufficientStock(
            f"only {quantity - left} on hand across lots, {quantity} requested",
            field="quantity",
            details=[{"on_hand": quantity - left, "requested": quantity}],
        )
    return plan


def count_lines(
    figure: int, lot: str | None, on_hand: int, lots: list[tuple[str, object, int]]
) -> list[tuple[str, int, int | None]]:
    """The ledger lines a stocktake (or a supplier's feed) records: ``(lot, on-hand delta, counted)``.

    The delta is the figure − what was expected: the level's ``on_hand``, or the named lot's. A
    surplus is one line (to the named lot, else to the unlotted stock; a zero delta is still recorded,
    with the figure); a shortfall leaves the named lot, else first-expiry-first-out across ``lots``
    (``(code, expires_on or None, on_hand)``, as :func:`plan_fefo` takes them; needed only for a
    shortfall without a lot). The figure is recorded on the first line.
    """
    expected = sum(q for code, _e, q in lots if code == lot) if lot is not None else on_hand
    delta = count_delta(figure, expected)
    if delta >= 0:
        return [(lot or "", delta, figure)]
    plan = [(lot, -delta)] if lot is not None else plan_fefo(lots, -delta)
    return [(code, -q, figure if i == 0 else None) for i, (code, q) in enumerate(plan)]
