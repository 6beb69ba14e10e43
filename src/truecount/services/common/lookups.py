"""Resolve the names people use (SKU, barcode, location code, type code) to ids, or refuse clearly."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BindParameter, Connection, bindparam, select

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.tables.catalog import barcodes, inventory_types, locations, variants
from truecount.domain.errors import NotFound

_M: BindParameter[int] = bindparam("m")
_CODE: BindParameter[str] = bindparam("code")
_VARIANT_BY_SKU = select(variants.c.id).where(variants.c.merchant_id == _M, variants.c.sku == _CODE)
_VARIANT_BY_BARCODE = select(barcodes.c.variant_id).where(barcodes.c.merchant_id == _M, barcodes.c.code == _CODE)
_LOCATION = select(locations.c.id).where(locations.c.merchant_id == _M, locations.c.code == _CODE)
_VARIANTS_BY_SKU = select(variants.c.sku, variants.c.id).where(
    variants.c.merchant_id == _M, in_list(variants.c.sku, "codes")
)
_VARIANTS_BY_BARCODE = select(barcodes.c.code, barcodes.c.variant_id).where(
    barcodes.c.merchant_id == _M, in_list(barcodes.c.code, "codes")
)
_PLACES = select(locations.c.id, locations.c.code, locations.c.parent_id).where(locations.c.merchant_id == _M)
_TYPE = select(inventory_types.c.id).where(inventory_types.c.merchant_id == _M, inventory_types.c.code == _CODE)


def variant_id(conn: Connection, merchant_id: int, sku: str, *, field: str = "sku") -> int:
    """The variant with this SKU (or, failing that, this barcode)."""
    params = {"m": merchant_id, "code": sku}
    found = conn.execute(_VARIANT_BY_SKU, params).scalar()
    if found is None:
        found = conn.execute(_VARIANT_BY_BARCODE, params).scalar()
    if found is None:
        raise no_variant(sku, field)
    return int(found)


def no_variant(sku: str, field: str = "sku") -> NotFound:
    """The refusal of a SKU (or barcode) that names no variant."""
    return NotFound(f"no variant with SKU or barcode {sku!r}", field=field)


def variant_ids(conn: Connection, merchant_id: int, skus: Iterable[str]) -> dict[str, int]:
    """:func:`variant_id` of many names at once (a statement for the SKUs, one more for the names
    left, as barcodes): name → variant id; a name that is neither is left out."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    found = {str(sku): int(vid) for sku, vid in conn.execute(_VARIANTS_BY_SKU, {"m": merchant_id, "codes": wanted})}
    left = [name for name in wanted if name not in found]
    if left:
        by_code = conn.execute(_VARIANTS_BY_BARCODE, {"m": merchant_id, "codes": left})
        found.update({str(code): int(vid) for code, vid in by_code})
    return found


def location_id(conn: Connection, merchant_id: int, code: str, *, field: str = "location") -> int:
    found = conn.execute(_LOCATION, {"m": merchant_id, "code": code}).scalar()
    if found is None:
        raise NotFound(f"no location with code {code!r}", field=field)
    return int(found)


def inventory_type_id(conn: Connection, merchant_id: int, code: str, *, field: str = "inventory_type") -> int:
    found = conn.execute(_TYPE, {"m": merchant_id, "code": code}).scalar()
    if found is None:
        raise NotFound(f"no inventory type {code!r}", field=field)
    return int(found)


def location_tree(conn: Connection, merchant_id: int) -> tuple[dict[str, int], dict[int, list[tuple[int, str]]]]:
    """Every location's id by code, and what lies below each location that has bins: every location
    under it, bins of bins too, as (id, code) (what :func:`truecount.services.stock.bulk.record_many`
    checks a count against)."""
    places = conn.execute(_PLACES, {"m": merchant_id}).all()
    code_of = {int(loc): str(code) for loc, code, _ in places}
    children: dict[int, list[int]] = {}
    for loc, _, parent in places:
        if parent is not None:
            children.setdefault(int(parent), []).append(int(loc))
    below: dict[int, list[tuple[int, str]]] = {}
    for root in children:
        todo, seen = list(children[root]), []
        while todo:
            current = todo.pop()
            seen.append((current, code_of[current]))
            todo.extend(children.get(current, []))
        below[root] = seen
    return {code: loc for loc, code in code_of.items()}, below


def location_and_descendants(conn: Connection, merchant_id: int, root_id: int) -> list[int]:
    """A location and every bin below it (counts roll up to the parent)."""
    rows = conn.execute(
        select(locations.c.id, locations.c.parent_id).where(locations.c.merchant_id == merchant_id)
    ).all()
    children: dict[int, list[int]] = {}
    for loc_id, parent in rows:
        if parent is not None:
            children.setdefault(int(parent), []).append(int(loc_id))
    found, todo = [], [root_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def known_skus(conn: Connection, merchant_id: int, skus: set[str]) -> set[str]:
    """Which of ``skus`` name a variant of the merchant (by SKU; barcodes are not looked at)."""
    if not skus:
        return set()
    rows = conn.execute(
        select(variants.c.sku).where(variants.c.merchant_id == merchant_id, variants.c.sku.in_(sorted(skus)))
    )
    return {str(sku) for sku in rows.scalars()}
