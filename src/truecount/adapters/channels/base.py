"""The port every channel connector implements, and the values that cross it.

A connector speaks one channel's real protocol over HTTP. It never exceeds the channel's rate
limit, retries transient failures with backoff and jitter, and answers per item, so one
refused listing never holds back the others in its batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class PushItem:
    """Set listing ``ref`` to ``quantity`` (and, when given, to ``price``, in the channel's ``currency``
    setting). ``last_pushed`` is what truecount last set there (the compare-and-set base; None when never
    pushed); ``key`` identifies this exact push (idempotency)."""

    ref: str
    quantity: int
    last_pushed: int | None
    key: str
    detail: Mapping[str, Any] = field(default_factory=dict)  # the listing's structured ref (eBay offer_id…)
    price: str | None = None  # the listing's price ("19.99"), set with the quantity where the channel takes it
    sku: str | None = None  # the listed variant's SKU (a connector may look the channel's own ids up by it)


@dataclass(frozen=True)
class PushResult:
    ref: str
    ok: bool
    error: str | None = None
    retryable: bool = True  # False: the channel refused the value itself (unknown listing, invalid…)
    found: int | None = None  # the channel's own value when a compare-and-set found another one
    learned: Mapping[str, Any] | None = None  # ids the connector looked up for the listing (eBay offer_id,
    # Shopify product_id and variant_id): kept in the listing's structured reference, not looked up again


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int
    ref: str | None = None  # the channel's listing reference when it sends one
    restock: bool = True  # a refunded line: do the units come back into stock


@dataclass(frozen=True)
class ChannelOrder:
    """One order event from a channel: ``created``, ``cancelled`` or ``refunded`` (lines restocked)."""

    external_id: str
    event: str
    event_id: str
    lines: list[OrderLine] = field(default_factory=list)


@dataclass(frozen=True)
class RefusedOrder:
    """A polled order that does not match the channel's schema (:mod:`.payloads`): recorded as refused,
    never booked; the orders polled with it still are. ``external_id``: its id where one could be read."""

    external_id: str
    reason: str


@dataclass(frozen=True)
class WebhookDelivery:
    delivery_id: str
    topic: str
    orders: list[ChannelOrder]


@dataclass(frozen=True)
class FulfilmentLine:
    """Units of one line of a channel order that left with a shipment."""

    sku: str
    quantity: int
    ref: str | None = None  # the channel's listing reference the order line carried, when known


@dataclass(frozen=True)
class FulfilmentItem:
    """Tell the channel that (part of) order ``order_ref`` shipped with ``carrier`` / ``tracking``.
    ``key`` identifies this exact push (idempotency: one per shipment and channel order); ``complete``:
    nothing of the order is left to ship after it."""

    order_ref: str  # the channel's own order id (the order's external id)
    key: str
    carrier: str
    tracking: str
    lines: tuple[FulfilmentLine, ...]
    complete: bool
    tracking_url: str | None = None


@dataclass(frozen=True)
class FulfilmentResult:
    key: str
    ok: bool
    error: str | None = None
    retryable: bool = True  # False: the channel refused it (unknown order, line already fulfilled…)


class ChannelUnavailable(Exception):
    """The channel did not answer usefully after every retry (5xx, 429, timeouts, dropped connections)."""


class AuthFailed(Exception):
    """The channel refuses the credentials, or they cannot be refreshed (a wrong or revoked refresh token,
    a wrong client secret, a token refused even just after a refresh). Retrying will not help until someone
    fixes the credentials: the whole channel waits, not each listing."""


class Stopped(Exception):
    """The worker is stopping: a wait for a rate bucket or a backoff was cut short."""


@dataclass(frozen=True)
class Check:
    """One finding of a connection check, in plain words: what was tried, whether it worked, and what
    to do when it did not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


class Connector(Protocol):
    kind: str
    batch_limit: int  # the most items one push() sends in one call or feed

    def push(self, items: Sequence[PushItem]) -> list[PushResult]:
        """Set each listing's quantity; one result per item, in order. Raises ChannelUnavailable."""
        ...

    def push_fulfilment(self, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
        """Tell the channel each fulfilment (shipped lines with carrier and tracking); one result per item, in
        order. A refusal the channel gives (unknown or cancelled order, a SKU the order lacks, more than is
        left to ship) is ``retryable=False``; a fulfilment the channel already holds (same tracking number
        on the order: a retry after a lost answer) is ``ok`` without being sent again. Raises
        ChannelUnavailable (AuthFailed) when the channel as a whole fails."""
        ...

    def read_back(self, refs: Sequence[str]) -> dict[str, int | None]:
        """The channel's current quantity per listing (None: the channel does not know the listing)."""
        ...

    def poll_orders(self, cursor: str | None) -> tuple[list[ChannelOrder | RefusedOrder], str | None]:
        """Order events since ``cursor`` (a malformed order as a :class:`RefusedOrder`, in its place), and the
        cursor to poll from next. Webhook channels return none."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether a webhook's signature is valid (constant-time comparison). False for polling channels."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookDelivery:
        """The order events in a verified webhook delivery; a body that does not match the topic's schema
        raises :class:`~.payloads.MalformedPayload` (a ``ValueError``)."""
        ...

    def check(self) -> list[Check]:
        """A cheap read with the stored credentials: what works and what to fix (never raises for a
        refusal; unreachable channels are reported as a failed check)."""
        ...

    def close(self) -> None: ...
