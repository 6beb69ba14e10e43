"""Channel connectors: one module per channel kind, each implementing :class:`base.Connector`."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .base import Connector
from .http import BucketFactory

WEBHOOK_KINDS = ("shopify", "woocommerce")
POLLING_KINDS = ("amazon", "ebay")


def connector_for(
    kind: str,
    config: Mapping[str, Any],
    *,
    buckets: BucketFactory | None = None,
    stop: threading.Event | None = None,
) -> Connector:
    """A connector for a channel kind, from the channel's config (``base_url`` and the kind's keys).

    ``buckets`` makes its rate buckets (default: in memory, its own); ``stop`` cuts its waits short."""
    if "base_url" not in config:
        raise ValueError(f"a {kind} channel needs 'base_url' in its config to sync")
    if kind == "shopify":
        from .shopify import ShopifyConnector

        return ShopifyConnector(config, buckets=buckets, stop=stop)
    if kind == "amazon":
        from .amazon import AmazonConnector

        return AmazonConnector(config, buckets=buckets, stop=stop)
    if kind == "ebay":
        from .ebay import EbayConnector

        return EbayConnector(config, buckets=buckets, stop=stop)
    if kind == "woocommerce":
        from .woocommerce import WooConnector

        return WooConnector(config, buckets=buckets, stop=stop)
    raise ValueError(f"channel kind {kind!r} has no connector (pos and manual channels are not pushed)")
