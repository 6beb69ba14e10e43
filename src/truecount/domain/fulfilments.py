"""Fulfilments pushed to a channel: what a valid one is, and the states it goes through.

A fulfilment tells a channel that (part of) one of its orders shipped, with a carrier and a tracking
number. It is queued once per idempotency key and then, exactly once, either ``pushed`` (the channel
took it) or ``refused`` (the channel said no, for a reason retrying cannot cure). While it waits it is
``queued``; a queued fulfilment whose last try failed transiently is retried with backoff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from truecount.domain.errors import InvalidInput

QUEUED = "queued"
PUSHED = "pushed"
REFUSED = "refused"
STATES = (QUEUED, PUSHED, REFUSED)

KEY_MAX = 200
ORDER_REF_MAX = 128
CARRIER_MAX = 100
TRACKING_MAX = 100
URL_MAX = 500


@dataclass(frozen=True)
class Tracking:
    """How a shipment travels: the carrier, its tracking number, and (optionally) a link to follow it."""

    carrier: str
    number: str
    url: str | None = None


def check_tracking(tracking: Tracking) -> None:
    """Refuse an empty or over-long carrier or tracking number, or a tracking URL that is not http(s)."""
    for name, value, most in (("carrier", tracking.carrier, CARRIER_MAX), ("tracking", tracking.number, TRACKING_MAX)):
        _text(name, value, most)
    if tracking.url is not None:
        if not tracking.url.startswith(("http://", "https://")):
            raise InvalidInput("must be an http(s) URL", field="tracking_url")
        if len(tracking.url) > URL_MAX:
            raise InvalidInput(f"is longer than {URL_MAX} characters", field="tracking_url")


def _text(name: str, value: str, most: int) -> None:
    if not value.strip():
        raise InvalidInput("must not be empty", field=name)
    if len(value) > most:
        raise InvalidInput(f"is longer than {most} characters", field=name)


def check_fulfilment(
    *,
    key: str,
    order_ref: str,
    carrier: str,
    tracking: str,
    tracking_url: str | None,
    lines: Sequence[tuple[str, int]],
) -> None:
    """Refuse a fulfilment that no channel could take, naming the field: an empty or over-long key, order,
    carrier or tracking number, a tracking URL that is not http(s), no lines, or a line without a SKU or
    with a quantity that is not a whole number of at least 1."""
    _text("key", key, KEY_MAX)
    _text("order_ref", order_ref, ORDER_REF_MAX)
    check_tracking(Tracking(carrier, tracking, tracking_url))
    if not lines:
        raise InvalidInput("a fulfilment ships at least one line", field="lines")
    for i, (sku, quantity) in enumerate(lines):
        if not sku.strip():
            raise InvalidInput("must not be empty", field=f"lines[{i}].sku")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidInput(f"must be a whole number of at least 1 (got {quantity!r})", field=f"lines[{i}].quantity")
