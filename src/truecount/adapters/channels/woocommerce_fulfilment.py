"""WooCommerce fulfilments with tracking (REST API v3; WooCommerce has no fulfilment object): read the order
(``GET /orders/{id}``: it must exist, not be cancelled, refunded or failed, and have a line of each SKU),
read its notes (a note that already names the tracking number is not added again: a retry after a lost
answer), add the tracking as a customer note (``POST /orders/{id}/notes`` with ``note`` and
``customer_note: true``: WooCommerce mails it to the customer), and, when nothing of the order is left to
ship, set it ``completed`` (``PUT /orders/{id}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from .base import ChannelUnavailable, FulfilmentItem, FulfilmentResult
from .http import Bucket, HttpChannel

API = "/wp-json/wc/v3/orders"
CLOSED = ("cancelled", "refunded", "failed", "trash")


class Woo(Protocol):
    http: HttpChannel
    bucket: Bucket


def note_text(item: FulfilmentItem) -> str:
    """The customer note: carrier, tracking number (and link), and what the parcel holds."""
    contents = ", ".join(f"{line.quantity} × {line.sku}" for line in item.lines)
    link = f" ({item.tracking_url})" if item.tracking_url else ""
    return f"Shipped with {item.carrier}, tracking number {item.tracking}{link}: {contents}."


def push_fulfilments(woo: Woo, items: Sequence[FulfilmentItem]) -> list[FulfilmentResult]:
    return [_one(woo, item) for item in items]


def _refusal(answer: httpx.Response) -> str:
    try:
        body: dict[str, Any] = answer.json()
    except ValueError:
        return f"WooCommerce answered HTTP {answer.status_code}: {answer.text[:200]}"
    return f"WooCommerce refused (HTTP {answer.status_code}): {body.get('code')}: {body.get('message')}"


def _answer(answer: httpx.Response, what: str, ok: tuple[int, ...]) -> FulfilmentResult | None:
    """None when ``answer`` is one of ``ok``; a refusal for another 4xx; raises for the rest."""
    if answer.status_code in ok:
        return None
    if 400 <= answer.status_code < 500:
        return FulfilmentResult("", False, _refusal(answer), retryable=False)
    raise ChannelUnavailable(f"{what}: HTTP {answer.status_code} {answer.text[:200]}")


def _one(woo: Woo, item: FulfilmentItem) -> FulfilmentResult:
    url = f"{API}/{quote(item.order_ref, safe='')}"
    found = woo.http.request(woo.bucket, "GET", url)
    refused = _answer(found, "GET order", (200,))
    if refused:
        return FulfilmentResult(item.key, False, refused.error, retryable=False)
    order: dict[str, Any] = found.json()
    if order.get("status") in CLOSED:
        return FulfilmentResult(item.key, False, f"WooCommerce order {item.order_ref} is {order['status']}", False)
    skus = {str(li.get("sku") or "") for li in order.get("line_items") or []}
    missing = [line.sku for line in item.lines if line.sku not in skus]
    if missing:
        message = f"WooCommerce order {item.order_ref} has no line of SKU {', '.join(missing)}"
        return FulfilmentResult(item.key, False, message, retryable=False)
    notes = woo.http.request(woo.bucket, "GET", url + "/notes")
    if _answer(notes, "GET order notes", (200,)):
        raise ChannelUnavailable(f"GET order notes: HTTP {notes.status_code} {notes.text[:200]}")
    if not any(item.tracking in str(n.get("note") or "") for n in notes.json()):
        added = woo.http.request(
            woo.bucket, "POST", url + "/notes", json={"note": note_text(item), "customer_note": True}, resend=False
        )
        refused = _answer(added, "POST order note", (200, 201))
        if refused:
            return FulfilmentResult(item.key, False, refused.error, retryable=False)
    if item.complete and order.get("status") != "completed":
        done = woo.http.request(woo.bucket, "PUT", url, json={"status": "completed"})
        refused = _answer(done, "PUT order status", (200,))
        if refused:
            return FulfilmentResult(item.key, False, refused.error, retryable=False)
    return FulfilmentResult(item.key, True)
