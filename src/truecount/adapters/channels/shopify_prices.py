"""Shopify prices: a price lives on the product variant, not on the inventory item a listing's reference
names, so it is set with ``productVariantsBulkUpdate(productId, variants: [{id, price}])``, one call per
product. A listing whose reference lacks its ``product_id``/``variant_id`` has them looked up once, by the
listed variant's SKU (``productVariants(first, query: "sku:…")``, the SKUs of a batch in one query joined
by ``OR``), keeping only the variant whose ``inventoryItem`` is the listing's own (a SKU Shopify shares
between variants cannot mislead it); the ids found are handed back (``PushResult.learned``) to be
remembered. A listing whose variant is not found keeps its quantity and is answered with why its price
was not set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .base import PushItem, PushResult

PRICES = """mutation setPrices($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message }
  }
}"""
PRICES_COST = 10
LOOKUP = """query variantsBySku($first: Int!, $q: String!) {
  productVariants(first: $first, query: $q) { nodes { id sku product { id } inventoryItem { id } } }
}"""
LOOKUP_CHUNK = 25  # SKUs a lookup asks for at once
PER_SKU = 4  # variants read per SKU asked (a SKU may be shared)


class Shopify(Protocol):
    config: Mapping[str, Any]

    def graphql(self, query: str, variables: dict[str, Any], cost: float, *, resend: bool = True) -> dict[str, Any]: ...

    def split_ref(self, ref: str) -> tuple[str, str]: ...


def gid(kind: str, value: str) -> str:
    return value if value.startswith("gid://") else f"gid://shopify/{kind}/{value}"


def _quoted(sku: str) -> str:
    return '"' + sku.replace("\\", "\\\\").replace('"', '\\"') + '"'


def look_up(shop: Shopify, items: Sequence[PushItem]) -> dict[str, tuple[str, str]]:
    """Each listing's (product gid, variant gid), found by its SKU and its inventory item."""
    found: dict[str, tuple[str, str]] = {}
    wanted = [item for item in items if item.sku]
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        skus = sorted({str(item.sku) for item in chunk})
        first = min(250, PER_SKU * len(skus))
        query = " OR ".join(f"sku:{_quoted(sku)}" for sku in skus)
        body = shop.graphql(LOOKUP, {"first": first, "q": query}, 2 + first)
        nodes = ((body.get("data") or {}).get("productVariants") or {}).get("nodes") or []
        by_item = {
            str((node.get("inventoryItem") or {}).get("id")): (str(node["product"]["id"]), str(node["id"]))
            for node in nodes
            if node.get("id") and (node.get("product") or {}).get("id")
        }
        for item in chunk:
            hit = by_item.get(shop.split_ref(item.ref)[0])
            if hit is not None:
                found[item.ref] = hit
    return found


def set_prices(shop: Shopify, items: Sequence[PushItem], results: list[PushResult]) -> list[PushResult]:
    """Set the price of each pushed listing that has one; ``results`` are the quantity answers, replaced
    where a price was refused or could not be set."""
    priced = [n for n, item in enumerate(items) if results[n].ok and item.price is not None]
    unknown = [items[n] for n in priced if not items[n].detail.get("variant_id")]
    found = look_up(shop, unknown) if unknown else {}
    by_product: dict[str, list[tuple[int, str]]] = {}
    for n in priced:
        item = items[n]
        if item.detail.get("variant_id"):
            product, variant = str(item.detail["product_id"]), str(item.detail["variant_id"])
        elif item.ref in found:
            product, variant = found[item.ref]
            learned = {"product_id": product, "variant_id": variant}
            results[n] = dataclasses.replace(results[n], learned=learned)
        else:
            message = (
                f"quantity set; price not set: Shopify has no variant with SKU {item.sku!r} and inventory item "
                f"{shop.split_ref(item.ref)[0]} (give the listing its product_id and variant_id)"
            )
            results[n] = PushResult(item.ref, False, message, retryable=False)
            continue
        by_product.setdefault(gid("Product", product), []).append((n, gid("ProductVariant", variant)))
    for product, members in by_product.items():
        variants = [{"id": variant, "price": items[n].price} for n, variant in members]
        body = shop.graphql(PRICES, {"productId": product, "variants": variants}, PRICES_COST)
        errors = (body.get("data") or {}).get("productVariantsBulkUpdate", {}).get("userErrors") or []
        if errors:
            message = "price: " + "; ".join(str(e.get("message")) for e in errors)
            for n, _ in members:
                results[n] = PushResult(items[n].ref, False, message, retryable=False, learned=results[n].learned)
    return results
