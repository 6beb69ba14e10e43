"""Channel listing references, in the shapes the real channels use, and quantity-rule checks.

A reference arrives as a string (what the connector addresses) or as an object naming the
channel's own fields; :func:`normalise_ref` checks it for the channel's kind and returns the
connector's text form plus the structured detail:

- shopify: ``{inventory_item_id, location_id?}`` (ids or ``gid://shopify/...`` ids) or
  ``"ITEM@LOCATION"`` → ``"ITEM@LOCATION"`` (the location may come from the channel's config);
- amazon: ``{seller_sku, marketplace_id?}`` or ``"SELLER-SKU"`` → the seller SKU (≤ 40 chars);
- ebay: ``{sku, offer_id?}`` or ``"SKU"`` → the inventory item SKU (≤ 50 chars);
- woocommerce: ``{product_id, variation_id?}`` or ``"PRODUCT"`` / ``"PRODUCT/VARIATION"``;
- pos, manual: any text up to 300 characters.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidInput
from .ledger import MAX_REQUEST_QUANTITY
from .offers import RULE_KINDS

FIELD = "external_ref"
MAX_QUANTITY = MAX_REQUEST_QUANTITY


def _text(value: Any, name: str, limit: int = 300) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise InvalidInput(f"{name} is required", field=f"{FIELD}.{name}" if name != FIELD else FIELD)
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInput(f"{name} is longer than {limit} characters", field=FIELD)
    return text


def _numeric_id(value: Any, name: str) -> str:
    text = _text(value, name)
    if text.startswith("gid://"):
        text = text.rsplit("/", 1)[-1]
    if not text.isdigit():
        raise InvalidInput(f"{name} must be a numeric id (or a gid://shopify/… id), not {value!r}", field=FIELD)
    return text


def _parts(ref: str | dict[str, Any], names: tuple[str, ...], separator: str) -> dict[str, Any]:
    if isinstance(ref, dict):
        unknown = set(ref) - set(names)
        if unknown:
            raise InvalidInput(
                f"unknown field(s) {', '.join(sorted(unknown))}; expected {', '.join(names)}", field=FIELD
            )
        return ref
    if not isinstance(ref, str):
        raise InvalidInput("must be a string or an object", field=FIELD)
    if separator:
        first, _, second = ref.partition(separator)
        return {names[0]: first, names[1]: second or None}
    return {names[0]: ref}


def normalise_ref(kind: str, ref: str | dict[str, Any], config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(text, detail)`` of a listing reference for a channel of ``kind``, or InvalidInput."""
    if kind == "shopify":
        got = _parts(ref, ("inventory_item_id", "location_id", "product_id", "variant_id"), "@")
        item = _numeric_id(got.get("inventory_item_id"), "inventory_item_id")
        location = got.get("location_id") or config.get("location_id")
        if not location:
            raise InvalidInput("location_id is required (or set the channel's config location_id)", field=FIELD)
        loc = _numeric_id(location, "location_id")
        detail = {"inventory_item_id": item, "location_id": loc}
        if got.get("product_id") is not None or got.get("variant_id") is not None:  # where a price is set
            detail["product_id"] = _numeric_id(got.get("product_id"), "product_id")
            detail["variant_id"] = _numeric_id(got.get("variant_id"), "variant_id")
        return f"{item}@{loc}", detail
    if kind == "amazon":
        got = _parts(ref, ("seller_sku", "marketplace_id"), "")
        sku = _text(got.get("seller_sku"), "seller_sku", 40)
        market = got.get("marketplace_id") or config.get("marketplace_id")
        detail = {"seller_sku": sku, **({"marketplace_id": _text(market, "marketplace_id", 20)} if market else {})}
        return sku, detail
    if kind == "ebay":
        got = _parts(ref, ("sku", "offer_id"), "")
        sku = _text(got.get("sku"), "sku", 50)
        offer_id = got.get("offer_id")
        return sku, {"sku": sku, **({"offer_id": _numeric_id(offer_id, "offer_id")} if offer_id else {})}
    if kind == "woocommerce":
        got = _parts(ref, ("product_id", "variation_id"), "/")
        product = _numeric_id(got.get("product_id"), "product_id")
        variation = got.get("variation_id")
        if variation:
            var = _numeric_id(variation, "variation_id")
            return f"{product}/{var}", {"product_id": product, "variation_id": var}
        return product, {"product_id": product}
    if isinstance(ref, dict):
        raise InvalidInput(f"a {kind} channel takes a text reference", field=FIELD)
    text = _text(ref, FIELD)
    return text, {"ref": text}


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_QUANTITY:
        raise InvalidInput(f"must be a whole number from 0 to {MAX_QUANTITY}", field=name)
    return value


def check_rule(
    kind: str,
    quantity: Any = None,
    percent: Any = None,
    location: str | None = None,
    reserve: Any = None,
    cap: Any = None,
) -> dict[str, Any]:
    """The rule's fields, checked: each kind takes exactly what it needs (see docs/offers.md)."""
    if kind not in RULE_KINDS:
        raise InvalidInput(f"must be one of {', '.join(RULE_KINDS)}", field="kind")
    takes = {
        "reserve": {"quantity", "cap"},
        "stop_sell": set(),
        "prebook": {"quantity", "cap"},
        "percent": {"percent", "location", "reserve", "cap"},
        "fixed": {"quantity"},
        "cap": {"quantity"},
    }[kind]
    given = {"quantity": quantity, "percent": percent, "location": location, "reserve": reserve, "cap": cap}
    for name, value in given.items():
        if value is not None and name not in takes:
            raise InvalidInput(f"a {kind} rule takes no {name}", field=name)
    out: dict[str, Any] = {"kind": kind, "quantity": None, "percent": None, "location": location or None}
    if "quantity" in takes:
        if quantity is None:
            raise InvalidInput(f"is required for a {kind} rule", field="quantity")
        out["quantity"] = _count(quantity, "quantity")
    if kind == "percent":
        try:
            value = Decimal(str(percent)) if percent is not None and not isinstance(percent, bool) else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not 0 <= value <= 100 or value != round(value, 2):
            raise InvalidInput("must be a number from 0 to 100 (two decimals at most)", field="percent")
        out["percent"] = value
    out["reserve"] = None if reserve is None else _count(reserve, "reserve")
    out["cap"] = None if cap is None else _count(cap, "cap")
    return out
