"""The Shopify emulator's product variants: ``productVariantsBulkUpdate(productId, variants: [{id, price}])``
sets each variant's price (a decimal string), as the Admin GraphQL API does; ``GET /_emulator/variants``
shows them. A variant id that is not a ``gid://shopify/ProductVariant/N`` or a price that is not a decimal
string is a user error naming the field, and nothing of that call is set.

The shop's catalogue: ``PUT /_emulator/variants/{N}`` ``{sku, product_id, inventory_item_id}`` makes variant
N of a product, its SKU and its inventory item. ``productVariants(first: $first, query: $q)`` finds them
with Shopify's search syntax for the ``sku`` field (``sku:ABC``, ``sku:"A B"``, terms joined by ``OR``;
any other term is a GraphQL error) and answers a connection: ``{nodes: [{id, sku, product {id},
inventoryItem {id}}]}``, at most ``first`` (1 to 250) nodes, by id."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Body, FastAPI

LOOKUP = re.compile(r"productVariants\s*\(")
TERM = re.compile(r'^sku:(?:"([^"]*)"|(\S+))$')

PRODUCT = "gid://shopify/Product/"
VARIANT = "gid://shopify/ProductVariant/"


def _price(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    whole, _, cents = value.partition(".")
    return whole.isdigit() and (cents == "" or (cents.isdigit() and len(cents) <= 2))


def bulk_update(variants: dict[str, dict[str, Any]], variables: dict[str, Any]) -> dict[str, Any]:
    """Apply one ``productVariantsBulkUpdate``; its ``data`` part."""
    product = variables.get("productId")
    given = variables.get("variants")
    errors: list[dict[str, Any]] = []
    if not isinstance(product, str) or not product.startswith(PRODUCT) or not product[len(PRODUCT) :].isdigit():
        errors.append({"field": ["productId"], "message": "Product does not exist", "code": "PRODUCT_DOES_NOT_EXIST"})
    if not isinstance(given, list) or not given:
        errors.append({"field": ["variants"], "message": "Variants can't be blank", "code": "INVALID_INPUT"})
        given = []
    for n, item in enumerate(given):
        vid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(vid, str) or not vid.startswith(VARIANT) or not vid[len(VARIANT) :].isdigit():
            errors.append({"field": ["variants", str(n), "id"], "message": "Product variant does not exist",
                           "code": "PRODUCT_VARIANT_DOES_NOT_EXIST"})  # fmt: skip
        elif "price" in item and not _price(item["price"]):
            errors.append({"field": ["variants", str(n), "price"], "message": "Price is invalid", "code": "INVALID"})
    if errors:
        return {"productVariantsBulkUpdate": {"productVariants": None, "userErrors": errors}}
    done = []
    for item in given:
        found = variants.setdefault(item["id"], {"id": item["id"], "product": product})
        if "price" in item:
            found["price"] = item["price"]
        done.append({"id": item["id"], "price": found.get("price")})
    return {"productVariantsBulkUpdate": {"productVariants": done, "userErrors": []}}


def mount(app: FastAPI, variants: dict[str, dict[str, Any]], on_reset: list[Any]) -> None:
    """The admin routes: every variant (``GET /_emulator/variants``), one made (``PUT …/{N}``)."""
    on_reset.append(variants.clear)
    app.get("/_emulator/variants")(lambda: dict(variants))

    def make(number: int, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        gid = f"{VARIANT}{number}"
        found = variants.setdefault(gid, {"id": gid})
        found.update(
            sku=str(body["sku"]),
            product=f"{PRODUCT}{int(body['product_id'])}",
            inventory_item=f"gid://shopify/InventoryItem/{int(body['inventory_item_id'])}",
        )
        return found

    app.put("/_emulator/variants/{number}")(make)


def lookup(variants: dict[str, dict[str, Any]], variables: dict[str, Any]) -> dict[str, Any]:
    """Answer one ``productVariants(first, query)``: the variants whose SKU a ``sku:`` term names."""
    first, text = variables.get("first"), variables.get("q")
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= 250 or not isinstance(text, str):
        return {"errors": [{"message": "first must be 1 to 250 and query a string", "extensions": {"code": "invalid"}}]}
    wanted: set[str] = set()
    for term in text.split(" OR "):
        found = TERM.match(term.strip())
        if found is None:
            message = f"the emulator searches variants by sku only, not {term.strip()!r}"
            return {"errors": [{"message": message, "extensions": {"code": "invalid"}}]}
        wanted.add(found.group(1) if found.group(1) is not None else found.group(2))
    hits = sorted(
        (v for v in variants.values() if v.get("sku") in wanted), key=lambda v: int(v["id"].rsplit("/", 1)[1])
    )
    nodes = [
        {"id": v["id"], "sku": v["sku"], "product": {"id": v["product"]}, "inventoryItem": {"id": v["inventory_item"]}}
        for v in hits[:first]
    ]
    return {"productVariants": {"nodes": nodes}}
