"""The rules of a channel's order events and webhook deliveries, written once for every path that
answers one (one delivery in a transaction of its own, or a group of them sharing one). Pure rules:
no storage, no clock.

- A delivery is known by its id as recorded (:func:`delivery_key`); a delivery whose id was recorded
  before is a **duplicate**: acknowledged, nothing applied (:func:`repeated`).
- An order event is known by its id as recorded (:func:`event_key`); an event recorded before, under
  any delivery id or by a poll, is never applied again (:func:`applied_before`): a late or repeated
  copy of it applies nothing.
- The order an event books is booked once per :func:`order_key`.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

DELIVERY_ID_CHARS = 128  # a delivery id as recorded
EVENT_ID_CHARS = 160  # an event id as recorded


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """What a webhook delivery did: ``accepted`` (``applied`` order events) or a ``duplicate`` delivery id."""

    status: str
    delivery_id: str
    applied: int


def delivery_key(delivery_id: str) -> str:
    """A delivery id as it is recorded (and looked up)."""
    return delivery_id[:DELIVERY_ID_CHARS]


def event_key(event_id: str) -> str:
    """An order event id as it is recorded (and looked up)."""
    return event_id[:EVENT_ID_CHARS]


def order_key(channel_code: str, event_id: str) -> str:
    """The idempotency key of the order an event books: one booking per channel and event."""
    return f"channel:{channel_code}:{event_id}"


def repeated(delivery_id: str, recorded: Container[str]) -> WebhookAnswer | None:
    """The answer to a delivery whose id is among ``recorded`` (delivery keys): a duplicate, nothing
    applied; ``None``: a new delivery, its events to be applied."""
    if delivery_key(delivery_id) in recorded:
        return WebhookAnswer("duplicate", delivery_id, 0)
    return None


def accepted(delivery_id: str, applied: int) -> WebhookAnswer:
    """The answer to a new delivery: ``applied`` of its events were applied now (the others before)."""
    return WebhookAnswer("accepted", delivery_id, applied)


def applied_before(event_id: str, seen: Container[str]) -> bool:
    """Whether an event is among ``seen`` (event keys recorded before): it is not applied again."""
    return event_key(event_id) in seen
