"""The Shopify emulator's product variants: ``productVariantsBulkUpdate(productId, variants: [{id, price}])``
sets each variant's price (a decimal string), as the Admin GraphQL API does; ``GET /_emulator/variants``
shows them. A variant id that is not a ``gid://shopify/ProductVariant/N`` or a price that is not a decimal
string is a user error naming the field, and nothing of that call is set."""

from __future__ import annotations

from typing import Any

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
