"""What a unit of a variant costs at each drop-ship location: its supplier's unit cost, as the
booking planner's ``cheapest`` ranking reads it (:attr:`truecount.domain.booking.sources.Source.cost`),
and the sentence that tells why a line went to a supplier; what a unit costs the merchant (its
known cost, :func:`truecount.domain.costing.known_cost`), as a work order consumes it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.channels import channel_locations
from truecount.adapters.db.tables.suppliers import supplier_items, suppliers
from truecount.domain.booking.sources import UNITS_PER_COST
from truecount.domain.costing import known_cost
from truecount.domain.suppliers import cost_text


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


def known_costs(conn: Connection, m: int, variant_ids: Iterable[int]) -> dict[int, Decimal | None]:
    """Per variant: its own unit cost, else its cheapest supplier item's cost, else None."""
    wanted = sorted(set(variant_ids))
    if not wanted:
        return {}
    own = dict(
        conn.execute(
            select(variants.c.id, variants.c.unit_cost).where(variants.c.merchant_id == m, variants.c.id.in_(wanted))
        ).all()
    )
    quoted: dict[int, list[Decimal]] = {}
    for vid, cost in conn.execute(
        select(supplier_items.c.variant_id, supplier_items.c.unit_cost).where(
            supplier_items.c.merchant_id == m, supplier_items.c.variant_id.in_(wanted)
        )
    ):
        quoted.setdefault(int(vid), []).append(Decimal(cost))
    return {v: known_cost(None if own.get(v) is None else Decimal(own[v]), quoted.get(v, [])) for v in wanted}


@dataclass(frozen=True, slots=True)
class Quote:
    """What one supplier behind a drop-ship location of a channel charges for a SKU (``cost`` None: nothing quoted)."""

    location: str
    supplier: str
    cost: Decimal | None
    currency: str


def channel_quotes(conn: Connection, m: int, channel_id: int, skus: Iterable[str]) -> dict[str, list[Quote]]:
    """Per SKU, every supplier behind one of the channel's locations, cheapest first (unquoted last)."""
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    behind = conn.execute(
        select(locations.c.id, locations.c.code, suppliers.c.id, suppliers.c.code, suppliers.c.currency)
        .join(suppliers, suppliers.c.location_id == locations.c.id)
        .join(channel_locations, channel_locations.c.location_id == locations.c.id)
        .where(suppliers.c.merchant_id == m, channel_locations.c.channel_id == channel_id)
    ).all()
    priced = conn.execute(
        select(variants.c.sku, supplier_items.c.supplier_id, supplier_items.c.unit_cost)
        .join(variants, variants.c.id == supplier_items.c.variant_id)
        .where(supplier_items.c.merchant_id == m, variants.c.merchant_id == m, variants.c.sku.in_(wanted))
    ).all()
    cost = {(sku, int(sid)): Decimal(c) for sku, sid, c in priced}
    found: dict[str, list[Quote]] = {}
    for sku in wanted:
        quotes = [Quote(lc, sc, cost.get((sku, int(sid))), cur) for _, lc, sid, sc, cur in behind]
        found[sku] = sorted(quotes, key=lambda q: (q.cost is None, q.cost or 0, q.location))
    return found


def why_supplier(location: str, quotes: list[Quote]) -> str:
    """Why a line went to the supplier behind ``location`` under ``cheapest``, in one sentence."""
    chosen = next((q for q in quotes if q.location == location), None)
    if chosen is None:
        return "cheapest: no supplier record behind this location"
    price = "no cost quoted" if chosen.cost is None else f"{cost_text(chosen.cost)} {chosen.currency} a unit"
    others = [q for q in quotes if q is not chosen]
    listed = ", ".join(
        f"{q.supplier} {'none quoted' if q.cost is None else f'{cost_text(q.cost)} {q.currency}'}" for q in others
    )
    cheaper = [q for q in others if q.cost is not None and (chosen.cost is None or q.cost < chosen.cost)]
    if cheaper:
        head = f"{chosen.supplier} at {price}: cheaper {', '.join(q.supplier for q in cheaper)} had too few free"
    else:
        head = f"cheapest: {chosen.supplier} at {price}"
    return f"{head} (others: {listed})" if others else head
