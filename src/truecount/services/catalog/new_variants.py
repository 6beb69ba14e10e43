"""A product's new variants written together: their rows, barcodes and bundle components in a
statement each, once two reads show that nothing they name is taken.

Whatever those reads cannot clear — a SKU or barcode already in use, a barcode that is a SKU (of the
catalogue or of the product itself), a barcode given twice, a component that is unknown, a bundle or
one of the product's own variants — is left to the one-variant-at-a-time path, which refuses it
exactly as it always has (:func:`truecount.services.catalog.records.insert_variant`).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import BindParameter, Connection, bindparam, insert, select

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.tables.catalog import barcodes, bundle_components, variants
from truecount.domain.assembly import FROM_COMPONENTS, VIRTUAL
from truecount.domain.commands import VariantSpec
from truecount.services.common.lookups import variant_ids

_M: BindParameter[int] = bindparam("m")
_SKUS_TAKEN = select(variants.c.sku).where(variants.c.merchant_id == _M, in_list(variants.c.sku, "codes"))
_BARCODES_TAKEN = select(barcodes.c.code).where(barcodes.c.merchant_id == _M, in_list(barcodes.c.code, "codes"))
_BUNDLES = select(variants.c.id).where(in_list(variants.c.id, "ids"), variants.c.is_bundle)


class VariantRow(TypedDict):
    """A new variant's row of ``variants``."""

    merchant_id: int
    product_id: int
    sku: str
    options: str  # JSON
    tracked: bool
    discontinued: bool
    sellable_from: date | None
    is_bundle: bool
    assembly: str | None
    for_sale: bool
    created_at: datetime


def variant_row(m: int, product_id: int, spec: VariantSpec, now: datetime) -> VariantRow:
    """The ``variants`` row of a new variant."""
    return {
        "merchant_id": m,
        "product_id": product_id,
        "sku": spec.sku,
        "options": json.dumps(spec.options, sort_keys=True),
        "tracked": spec.tracked,
        "discontinued": spec.discontinued,
        "sellable_from": spec.sellable_from,
        "is_bundle": bool(spec.components) and (spec.mode or VIRTUAL) in FROM_COMPONENTS,
        "assembly": (spec.mode or VIRTUAL) if spec.components else None,
        "for_sale": spec.for_sale,
        "created_at": now,
    }


def insert_variants(
    conn: Connection, m: int, product_id: int, specs: list[VariantSpec], now: datetime
) -> list[int] | None:
    """Insert ``specs`` (already validated) as variants of ``product_id`` with their barcodes and
    components: their ids in order, or None — nothing written — when something must be refused (the
    caller then inserts them one at a time, which names it)."""
    skus = [spec.sku for spec in specs]
    codes = [code for spec in specs for code in spec.barcodes]
    parts = {comp.sku for spec in specs for comp in spec.components}
    if len(set(codes)) < len(codes) or set(codes) & set(skus) or parts & set(skus):
        return None
    names = sorted(set(skus) | set(codes))
    if conn.execute(_SKUS_TAKEN, {"m": m, "codes": names}).first() is not None:
        return None
    if codes and conn.execute(_BARCODES_TAKEN, {"m": m, "codes": sorted(codes)}).first() is not None:
        return None
    part_ids = variant_ids(conn, m, parts) if parts else {}
    if set(part_ids) != parts:
        return None
    if part_ids and conn.execute(_BUNDLES, {"ids": sorted(set(part_ids.values()))}).first() is not None:
        return None
    rows = [variant_row(m, product_id, spec, now) for spec in specs]
    made = conn.execute(insert(variants).returning(variants.c.id, sort_by_parameter_order=True), rows)
    ids = [int(vid) for vid in made.scalars()]
    codes_of = [
        {"merchant_id": m, "code": code, "variant_id": vid}
        for vid, s in zip(ids, specs, strict=True)
        for code in s.barcodes
    ]
    if codes_of:
        conn.execute(insert(barcodes), codes_of)
    components = [
        {"merchant_id": m, "bundle_id": vid, "component_id": part_ids[comp.sku], "quantity": comp.quantity}
        for vid, spec in zip(ids, specs, strict=True)
        for comp in spec.components
    ]
    if components:
        conn.execute(insert(bundle_components), components)
    return ids
