"""eBay fulfilments with tracking: Sell Fulfillment ``getOrder`` (``GET /sell/fulfillment/v1/order/{orderId}``)
maps our SKUs to the order's ``lineItemId``s, ``getShippingFulfillments`` says what was already shipped (a
fulfilment whose tracking number is already there is not sent again: a retry after a lost answer), then
``createShippingFulfillment`` (``POST …/order/{orderId}/shipping_fulfillment`` with ``lineItems
[{lineItemId, quantity}]``, ``shippedDate``, ``shippingCarrierCode``, ``trackingNumber``; 201). Every call
counts against the Fulfillment API's daily bucket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from .base import AuthFailed, ChannelUnavailable, FulfilmentItem, FulfilmentResult
from .fulfil_lines import CannotAllocate, ChannelLine, allocate
from .http import Bucket, HttpChannel

API = "/sell/fulfillment/v1/order"


class Ebay(Protocol):
    http: HttpChannel
    buckets: dict[str, Bucket]


def push_fulfilments(ebay: Ebay, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
    return [_one(ebay, item) for item in items]


def _errors(answer: httpx.Response) -> str:
    try:
        errors = answer.json().get("errors") or []
    except ValueError:
        return f"HTTP {answer.status_code}: {answer.text[:200]}"
    text = "; ".join(f"{e.get('errorId')} {e.get('message')}" for e in errors if isinstance(e, dict))
    return f"eBay refused (HTTP {answer.status_code}): {text or answer.text[:200]}"


def _get(ebay: Ebay, url: str) -> httpx.Response:
    answer = ebay.http.request(ebay.buckets["fulfillment"], "GET", url)
    if answer.status_code == 403:
        raise AuthFailed(f"eBay denied access (the token lacks a scope): {answer.text[:300]}")
    return answer


def _one(ebay: Ebay, item: FulfilmentItem) -> FulfilmentResult:
    order_url = f"{API}/{quote(item.order_ref, safe='')}"
    found = _get(ebay, order_url)
    if found.status_code in (400, 404):
        return FulfilmentResult(item.key, False, _errors(found), retryable=False)
    if found.status_code != 200:
        raise ChannelUnavailable(f"getOrder: HTTP {found.status_code} {found.text[:200]}")
    order: dict[str, Any] = found.json()
    if (order.get("cancelStatus") or {}).get("cancelState") == "CANCELED":
        return FulfilmentResult(item.key, False, f"eBay order {item.order_ref} is cancelled", retryable=False)
    shipped = _get(ebay, order_url + "/shipping_fulfillment")
    if shipped.status_code != 200:
        raise ChannelUnavailable(f"getShippingFulfillments: HTTP {shipped.status_code} {shipped.text[:200]}")
    fulfilled: dict[str, int] = {}
    for done in shipped.json().get("fulfillments") or []:
        if done.get("shipmentTrackingNumber") == item.tracking:
            return FulfilmentResult(item.key, True)  # sent before (its answer was lost): nothing more to do
        for ref in done.get("lineItems") or []:
            fulfilled[str(ref.get("lineItemId"))] = fulfilled.get(str(ref.get("lineItemId")), 0) + int(ref["quantity"])
    lines = [
        ChannelLine(
            str(li["lineItemId"]),
            str(li.get("sku") or ""),
            int(li["quantity"]) - fulfilled.get(str(li["lineItemId"]), 0),
        )
        for li in order.get("lineItems") or []
    ]
    try:
        taken = allocate(item.lines, lines)
    except CannotAllocate as refused:
        return FulfilmentResult(item.key, False, f"eBay order {item.order_ref}: {refused}", retryable=False)
    body = {
        "lineItems": [{"lineItemId": line_id, "quantity": units} for line_id, units in taken],
        "shippedDate": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "shippingCarrierCode": item.carrier,
        "trackingNumber": item.tracking,
    }
    answer = ebay.http.request(
        ebay.buckets["fulfillment"], "POST", order_url + "/shipping_fulfillment", json=body, resend=False
    )
    if answer.status_code == 201:
        return FulfilmentResult(item.key, True)
    if answer.status_code == 403:
        raise AuthFailed(f"eBay denied access (the token lacks a scope): {answer.text[:300]}")
    if 400 <= answer.status_code < 500:
        return FulfilmentResult(item.key, False, _errors(answer), retryable=False)
    raise ChannelUnavailable(f"createShippingFulfillment: HTTP {answer.status_code} {answer.text[:200]}")
