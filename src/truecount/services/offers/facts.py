"""Gather, in a handful of batched queries, every fact the offer rules need for a set of variants.

What is read: the variants' flags, bundle components (and the components' own facts), stock
levels with the part of each level in expired lots, the rules of the channels concerned, the
open ordered quantity of variants under a ``prebook`` rule, and the location tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, select

from truecount.adapters.db.tables.catalog import bundle_components, inventory_types, locations, lots, variants
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels
from truecount.adapters.db.tables.offers import channel_rules
from truecount.adapters.db.tables.orders import backorders
from truecount.domain.offers import Rule

CHUNK = 2000


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    items = sorted(set(ids))
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class VariantRow:
    id: int
    sku: str
    tracked: bool
    discontinued: bool
    sellable_from: date | None
    is_bundle: bool


@dataclass(frozen=True)
class Level:
    location_id: int
    inventory_type_id: int
    on_hand: int
    booked: int
    expired: int


@dataclass
class LocationTree:
    """The merchant's locations: codes, saleable flags and bins (children)."""

    codes: dict[int, str] = field(default_factory=dict)
    by_code: dict[str, int] = field(default_factory=dict)
    saleable: dict[int, bool] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)

    def feeding(self, roots: Iterable[int]) -> set[int]:
        """The roots and their bins that feed a channel: a non-saleable location feeds nothing,
        and neither do the bins below it."""
        found: set[int] = set()
        todo = [r for r in roots if self.saleable.get(r, False)]
        while todo:
            current = todo.pop()
            if current in found:
                continue
            found.add(current)
            todo.extend(c for c in self.children.get(current, []) if self.saleable.get(c, False))
        return found


@dataclass
class Facts:
    variants: dict[int, VariantRow] = field(default_factory=dict)
    components: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # bundle → (component, qty)
    levels: dict[int, list[Level]] = field(default_factory=dict)
    rules: dict[tuple[int, int], Rule] = field(default_factory=dict)  # (channel, variant) → rule
    booked_open: dict[int, int] = field(default_factory=dict)
    tree: LocationTree = field(default_factory=LocationTree)
    type_codes: dict[int, str] = field(default_factory=dict)


def load_tree(conn: Connection, m: int) -> tuple[LocationTree, dict[int, str]]:
    tree = LocationTree()
    rows = conn.execute(
        select(locations.c.id, locations.c.code, locations.c.parent_id, locations.c.saleable).where(
            locations.c.merchant_id == m
        )
    )
    for loc_id, code, parent, saleable in rows:
        tree.codes[int(loc_id)] = str(code)
        tree.by_code[str(code)] = int(loc_id)
        tree.saleable[int(loc_id)] = bool(saleable)
        if parent is not None:
            tree.children.setdefault(int(parent), []).append(int(loc_id))
    types = conn.execute(select(inventory_types.c.id, inventory_types.c.code).where(inventory_types.c.merchant_id == m))
    return tree, {int(i): str(c) for i, c in types}


def load_facts(conn: Connection, m: int, variant_ids: Iterable[int], channel_ids: Iterable[int], today: date) -> Facts:
    """Everything needed to compute the offers of ``variant_ids`` (bundles: their components too)."""
    facts = Facts()
    facts.tree, facts.type_codes = load_tree(conn, m)
    wanted = set(variant_ids)
    _load_variants(conn, m, wanted, facts)
    bundles = [v.id for v in facts.variants.values() if v.is_bundle]
    for part in chunks(bundles):
        rows = conn.execute(
            select(bundle_components.c.bundle_id, bundle_components.c.component_id, bundle_components.c.quantity).where(
                bundle_components.c.merchant_id == m, bundle_components.c.bundle_id.in_(part)
            )
        )
        for bundle_id, component_id, quantity in rows:
            facts.components.setdefault(int(bundle_id), []).append((int(component_id), int(quantity)))
    extra = {c for parts in facts.components.values() for c, _ in parts} - set(facts.variants)
    _load_variants(conn, m, extra, facts)
    every = set(facts.variants)
    _load_levels(conn, m, every, today, facts)
    _load_rules(conn, m, every, set(channel_ids), facts)
    prebook = {vid for (_, vid), rule in facts.rules.items() if rule.kind == "prebook"}
    _load_booked_open(conn, m, prebook, facts)
    return facts


def _load_variants(conn: Connection, m: int, ids: set[int], facts: Facts) -> None:
    cols = (
        variants.c.id,
        variants.c.sku,
        variants.c.tracked,
        variants.c.discontinued,
        variants.c.sellable_from,
        variants.c.is_bundle,
    )
    for part in chunks(ids):
        for row in conn.execute(select(*cols).where(variants.c.merchant_id == m, variants.c.id.in_(part))):
            facts.variants[int(row[0])] = VariantRow(
                int(row[0]), str(row[1]), bool(row[2]), bool(row[3]), row[4], bool(row[5])
            )


def _load_levels(conn: Connection, m: int, ids: set[int], today: date, facts: Facts) -> None:
    for part in chunks(ids):
        expired: dict[tuple[int, int, int], int] = {}
        rows = conn.execute(
            select(
                lot_levels.c.variant_id,
                lot_levels.c.location_id,
                lot_levels.c.inventory_type_id,
                func.sum(lot_levels.c.on_hand),
            )
            .join(
                lots,
                and_(
                    lots.c.merchant_id == lot_levels.c.merchant_id,
                    lots.c.variant_id == lot_levels.c.variant_id,
                    lots.c.code == lot_levels.c.lot,
                ),
            )
            .where(
                lot_levels.c.merchant_id == m,
                lot_levels.c.variant_id.in_(part),
                lot_levels.c.on_hand > 0,
                lots.c.expires_on < today,
            )
            .group_by(lot_levels.c.variant_id, lot_levels.c.location_id, lot_levels.c.inventory_type_id)
        )
        for vid, loc, typ, qty in rows:
            expired[(int(vid), int(loc), int(typ))] = int(qty)
        level_rows = conn.execute(
            select(
                stock_levels.c.variant_id,
                stock_levels.c.location_id,
                stock_levels.c.inventory_type_id,
                stock_levels.c.on_hand,
                stock_levels.c.booked,
            ).where(stock_levels.c.merchant_id == m, stock_levels.c.variant_id.in_(part))
        )
        for row in level_rows:
            key = (int(row[0]), int(row[1]), int(row[2]))
            on_hand, booked = row[3], row[4]
            facts.levels.setdefault(key[0], []).append(
                Level(key[1], key[2], int(on_hand), int(booked), expired.get(key, 0))
            )


def _load_rules(conn: Connection, m: int, ids: set[int], channel_ids: set[int], facts: Facts) -> None:
    if not channel_ids:
        return
    for part in chunks(ids):
        rows = conn.execute(
            select(channel_rules).where(
                channel_rules.c.merchant_id == m,
                channel_rules.c.channel_id.in_(sorted(channel_ids)),
                channel_rules.c.variant_id.in_(part),
            )
        )
        for row in rows:
            facts.rules[(int(row.channel_id), int(row.variant_id))] = rule_of(row, facts.tree.codes)


def rule_of(row: Any, codes: dict[int, str]) -> Rule:
    return Rule(
        kind=str(row.kind),
        quantity=None if row.quantity is None else int(row.quantity),
        percent=None if row.percent is None else Decimal(str(row.percent)),
        location=None if row.location_id is None else codes.get(int(row.location_id)),
        reserve=None if row.reserve is None else int(row.reserve),
        cap=None if row.cap is None else int(row.cap),
    )


def _load_booked_open(conn: Connection, m: int, ids: set[int], facts: Facts) -> None:
    """Open ordered quantity = booked at every location + backordered (owed, not yet allocated
    nor cancelled: ``backorders.quantity − allocated − cancelled``)."""
    for vid in ids:
        facts.booked_open[vid] = sum(level.booked for level in facts.levels.get(vid, []))
    for part in chunks(ids):
        rows = conn.execute(
            select(
                backorders.c.variant_id,
                func.sum(backorders.c.quantity - backorders.c.allocated - backorders.c.cancelled),
            )
            .where(backorders.c.merchant_id == m, backorders.c.variant_id.in_(part))
            .group_by(backorders.c.variant_id)
        )
        for vid, owed in rows:
            facts.booked_open[int(vid)] = facts.booked_open.get(int(vid), 0) + max(0, int(owed or 0))
