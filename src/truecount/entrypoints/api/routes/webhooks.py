"""``POST /api/v1/webhooks/{channel}``: a channel's own order webhook (Shopify, WooCommerce).

Not authenticated by a bearer token: the channel signs the raw body (``X-Shopify-Hmac-Sha256``,
``X-WC-Webhook-Signature``) with the channel's ``webhook_secret``. A bad signature, an unknown merchant
and an unknown channel get the same 401 and change nothing; a delivery id already seen is
acknowledged (200) without effect. The delivery waits on the event loop; concurrent deliveries to a
channel share their transactions (``services/orders/channel_webhooks.py``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, Request

from truecount.adapters.db.engine import Database
from truecount.domain.webhooks import WebhookAnswer
from truecount.services.orders.channel_webhooks import receive_webhook_async
from truecount.settings import Settings

from ..deps import DbDep, SettingsDep
from . import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["channels"])


@router.post("/webhooks/{channel}", summary="Receive a channel's signed order webhook")
async def receive_webhook(
    channel: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    merchant: str | None = Query(None, description="Merchant code (default: the configured merchant)."),
) -> dict[str, Any]:
    return asdict(await answer_delivery(db, settings, merchant, channel, request))


async def answer_delivery(
    db: Database, settings: Settings, merchant: str | None, channel: str, request: Request
) -> WebhookAnswer:
    """A delivery to ``channel`` as every webhook route answers it: addressed to the merchant the query
    names, else to the configured merchant."""
    body = await request.body()
    return await receive_webhook_async(
        db, merchant or settings.merchant, channel, dict(request.headers), body, settings.max_quantity
    )
