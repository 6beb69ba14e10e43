"""Channel connectors: one module per channel kind, each implementing :class:`base.Connector`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Connector

WEBHOOK_KINDS = ("shopify", "woocommerce")
POLLING_KINDS = ("amazon", "ebay")


def connector_for(kind: str, config: Mapping[str, Any]) -> Connector:
    """A connector for a channel kind, from the channel's config (``base_url`` and the kind's keys)."""
    if "base_url" not in config:
        raise ValueError(f"a {kind} channel needs 'base_url' in its config to sync")
    if kind == "shopify":
        from .shopify import ShopifyConnector

        return ShopifyConnector(config)
    if kind == "amazon":
        from .amazon import AmazonConnector

        return AmazonConnector(config)
    if kind == "ebay":
        from .ebay import EbayConnector

        return EbayConnector(config)
    if kind == "woocommerce":
        from .woocommerce import WooConnector

        return WooConnector(config)
    raise ValueError(f"channel kind {kind!r} has no connector (pos and manual channels are not pushed)")
