"""What a unit of a variant costs at each drop-ship location: its supplier's unit cost, as the
booking planner's ``cheapest`` ranking reads it (:attr:`truecount.domain.booking.sources.Source.cost`)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import Connection, select

from truecount.adapters.db.tables.suppliers import supplier_items, suppliers
from truecount.domain.booking.sources import UNITS_PER_COST


def unit_costs(
    conn: Connection, m: int, variant_ids: Iterable[int], location_ids: Iterable[int]
) -> dict[int, dict[int, int | None]]:
    """Per variant, per location among ``location_ids``: the cost of a unit in ten-thousandths of the
    supplier's currency, ``None`` where the location's supplier quotes no cost for the variant.
    Every variant gets every location (None when unquoted)."""
    variants, places = sorted(set(variant_ids)), sorted(set(location_ids))
    costs: dict[int, dict[int, int | None]] = {v: dict.fromkeys(places) for v in variants}
    if not variants or not places:
        return costs
    rows = conn.execute(
        select(supplier_items.c.variant_id, suppliers.c.location_id, supplier_items.c.unit_cost)
        .join(suppliers, suppliers.c.id == supplier_items.c.supplier_id)
        .where(
            supplier_items.c.merchant_id == m,
            supplier_items.c.variant_id.in_(variants),
            suppliers.c.location_id.in_(places),
        )
    ).all()
    for variant, location, cost in rows:
        costs[int(variant)][int(location)] = int(Decimal(cost) * UNITS_PER_COST)
    return costs
