"""The order payloads each channel sends, as schemas: one pydantic model per channel and topic.

A webhook body (Shopify ``orders/create``, ``orders/cancelled``, ``refunds/create``; WooCommerce
``order.created``, ``order.updated``) or a polled order (Amazon ``searchOrders``, eBay ``getOrders``) is
read through its model before anything is booked. Quantities are JSON integers (``strict``): ``1.7``,
``"2"``, ``true`` and ``null`` are refused, never read as 1, 2 or 1; an order's id is a number or a
non-empty string; lists are lists of objects. Fields truecount does not use are ignored (channels send
many). What does not fit raises :class:`MalformedPayload` naming the first problems by path
(``line_items[0].quantity: …``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from .base import ChannelOrder, ChannelUnavailable, RefusedOrder

MAX_REASON = 500
ERRORS_SHOWN = 3


class MalformedPayload(ValueError):
    """A channel payload that does not match its schema (the message names the fields and why)."""


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


#: Units of an order line: a JSON integer of at least 1.
Quantity = Annotated[StrictInt, Field(ge=1)]
#: Units of a refund line: a JSON integer, 0 allowed (a line refunded without units).
RefundQuantity = Annotated[StrictInt, Field(ge=0)]
#: A channel's id for an order or refund: a number or a non-empty string.
ChannelId = Annotated[StrictInt, Field(ge=0)] | Annotated[str, Field(min_length=1, max_length=128)]
Sku = Annotated[str, Field(max_length=1000)] | None


# -- Shopify (webhooks) ------------------------------------------------------------------------------


class ShopifyLineItem(Payload):
    sku: Sku = None
    quantity: Quantity


class ShopifyOrderCancelled(Payload):
    """``orders/cancelled``: the order (its lines, when sent, must still be lines)."""

    id: ChannelId
    line_items: list[ShopifyLineItem] = Field(default_factory=list)


class ShopifyOrderCreated(ShopifyOrderCancelled):
    """``orders/create``: the order and at least one line."""

    line_items: list[ShopifyLineItem] = Field(min_length=1)


class ShopifyRefundedItem(Payload):
    sku: Sku = None


class ShopifyRefundLine(Payload):
    quantity: RefundQuantity
    restock_type: str | None = None
    line_item: ShopifyRefundedItem | None = None


class ShopifyRefund(Payload):
    """``refunds/create``: the refund, its order and the refunded lines."""

    id: ChannelId
    order_id: ChannelId
    refund_line_items: list[ShopifyRefundLine] = Field(default_factory=list)


# -- WooCommerce (webhooks) --------------------------------------------------------------------------


class WooLineItem(Payload):
    product_id: Annotated[StrictInt, Field(ge=0)] = 0
    variation_id: Annotated[StrictInt, Field(ge=0)] = 0
    quantity: Quantity
    sku: Sku = None


class WooOrder(Payload):
    """``order.created`` and ``order.updated``: the order, its status and its lines."""

    id: ChannelId
    status: str = ""
    line_items: list[WooLineItem] = Field(default_factory=list)


# -- Amazon (polled: searchOrders) -------------------------------------------------------------------


# (the channels' own field names, camelCase)


class AmazonProduct(Payload):
    sellerSku: Sku = None


class AmazonOrderItem(Payload):
    quantityOrdered: Quantity
    product: AmazonProduct | None = None


class AmazonFulfillment(Payload):
    fulfillmentStatus: str | None = None


class AmazonOrder(Payload):
    orderId: Annotated[str, Field(min_length=1, max_length=128)]
    lastUpdatedTime: Annotated[str, Field(min_length=1, max_length=64)]
    fulfillment: AmazonFulfillment | None = None
    orderItems: list[AmazonOrderItem] = Field(default_factory=list)


# -- eBay (polled: getOrders) ------------------------------------------------------------------------


class EbayLineItem(Payload):
    sku: Sku = None
    quantity: Quantity


class EbayCancelStatus(Payload):
    cancelState: str | None = None


class EbayOrder(Payload):
    orderId: Annotated[str, Field(min_length=1, max_length=128)]
    lastModifiedDate: Annotated[str, Field(min_length=1, max_length=64)]
    cancelStatus: EbayCancelStatus | None = None
    lineItems: list[EbayLineItem] = Field(default_factory=list)


# -- reading -----------------------------------------------------------------------------------------

M = TypeVar("M", bound=Payload)


def parse_json(body: bytes) -> Any:
    """A webhook body as JSON, or :class:`MalformedPayload`."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise MalformedPayload(f"body: is not JSON ({error})"[:MAX_REASON]) from None


def read(model: type[M], data: Any) -> M:
    """``data`` read as ``model``, or :class:`MalformedPayload` naming the first problems by path."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise MalformedPayload(_reason(error)) from None


def needs_lines(lines: list[Any], what: str) -> None:
    """An order event that books must have at least one line."""
    if not lines:
        raise MalformedPayload(f"{what}: an order must have at least one line")


def read_page(
    body: Any, operation: str, model: type[M], build: Callable[[M], ChannelOrder], time_key: str, newest: str
) -> tuple[list[ChannelOrder | RefusedOrder], str]:
    """The orders of one polled page (``{"orders": [...]}``), each read as ``model`` and made an order by
    ``build`` — or, when it does not fit, a :class:`RefusedOrder` in its place (one malformed order never
    holds back the others) — and the newest ``time_key`` seen (``newest`` when none is later). A page that
    is not a page of orders is the channel failing: :class:`ChannelUnavailable`."""
    raws = body.get("orders") if isinstance(body, dict) else None
    if raws is None and isinstance(body, dict):
        raws = []
    if not isinstance(raws, list):
        raise ChannelUnavailable(f"{operation}: the answer is not a page of orders (orders is not a list)")
    found: list[ChannelOrder | RefusedOrder] = []
    for raw in raws:
        try:
            found.append(build(read(model, raw)))
        except MalformedPayload as error:
            found.append(RefusedOrder(_raw(raw, "orderId")[:128], str(error)))
        newest = max(newest, _raw(raw, time_key) or newest)  # past a refused order too
    return found, newest


def _raw(raw: Any, key: str) -> str:
    """A field of an order that may not fit its schema, as text ('' when it is missing or not text)."""
    found = raw.get(key) if isinstance(raw, dict) else None
    return str(found) if isinstance(found, (str, int)) and not isinstance(found, bool) else ""


def _reason(error: ValidationError) -> str:
    said = []
    for problem in error.errors()[:ERRORS_SHOWN]:
        path = _path(problem.get("loc", ()))
        got = problem.get("input")
        shown = f" (got {json.dumps(got)[:40]})" if got is None or isinstance(got, (bool, int, float, str)) else ""
        message = "should be a JSON object" if problem.get("type") in ("model_type", "dict_type") else problem["msg"]
        said.append(f"{path}: {message}{shown}")
    more = error.error_count() - ERRORS_SHOWN
    text = "; ".join(said) + (f"; and {more} more" if more > 0 else "")
    return text[:MAX_REASON]


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part not in ("int", "str") and not part.startswith("constrained-"):  # not a union's branch name
            text += f".{part}" if text else part
    return text or "body"
