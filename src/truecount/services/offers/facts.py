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
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, BindParameter, Connection, String, and_, bindparam, cast, func, select, union
from sqlalchemy.dialects.postgresql import ARRAY

from truecount.adapters.db.any_of import in_list, in_rows
from truecount.adapters.db.tables.catalog import bundle_components, inventory_types, locations, lots, variants
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels
from truecount.adapters.db.tables.offers import channel_rules
from truecount.adapters.db.tables.orders import backorders
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.domain.offers import Rule

CHUNK = 2000


def chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    items = sorted(set(ids))
    for start in range(0, len(items), size):
        yield items[start : start + size]


class VariantRow(NamedTuple):
    id: int
    sku: str
    tracked: bool
    discontinued: bool
    sellable_from: date | None
    is_bundle: bool
    for_sale: bool = True


class Level(NamedTuple):
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


_v, _bc, _s, _ll, _r, _bo = variants.c, bundle_components.c, stock_levels.c, lot_levels.c, channel_rules.c, backorders.c
_M: BindParameter[int] = bindparam("m")


def _members() -> Any:
    """The variants ``ids`` and the components of those of them that are bundles. No merchant on the
    first arm (every read filters the merchant itself): with it SQLite walked the merchant's variants
    by the merchant index instead of looking the ids up (30 ms at 100,000 variants)."""
    return union(
        select(_v.id).where(in_list(_v.id, "ids")),
        select(_bc.component_id).where(_bc.merchant_id == _M, in_list(_bc.bundle_id, "ids")),
    )


def _members_pg() -> Any:
    """:func:`_members` on PostgreSQL, from the ids themselves: ``unnest(ids)`` and each id's components
    by an index probe. Their generic plan (psycopg prepares a statement after five runs) filtered the
    merchant's variants and bundle rows by ``= ANY(ids)``, each row against every id (401 × 201 and
    400 × 201 comparisons in every read of a fan-out's facts)."""
    ids = func.unnest(bindparam("ids", type_=ARRAY(BigInteger))).table_valued("id").render_derived()
    return union(
        select(ids.c.id),
        select(_bc.component_id).join_from(
            ids, bundle_components, and_(_bc.merchant_id == _M, _bc.bundle_id == ids.c.id)
        ),
    )


def _family(column: Any, dialect: str = "sqlite") -> Any:
    """``column`` is one of the variants ``ids`` or a component of one of them: ONE ``IN`` over a union
    (``a IN (ids) OR a IN (components)`` kept SQLite from using the index on ``column``: the stock
    screen's offers for 50 SKUs scanned every level, 0.5 s at 500,000 levels), an array on PostgreSQL
    (:func:`~truecount.adapters.db.any_of.in_rows`)."""
    return in_rows(column, _members_pg() if dialect == "postgresql" else _members())


# Built once; parameters m (merchant), ids (variants), chs (channels), today.
_LOCATIONS = select(locations.c.id, locations.c.code, locations.c.parent_id, locations.c.saleable).where(
    locations.c.merchant_id == _M
)
_TYPES = select(inventory_types.c.id, inventory_types.c.code).where(inventory_types.c.merchant_id == _M)
_FAMILY = _members().subquery("family")
_VARIANT_ROW = (_v.id, _v.sku, _v.tracked, _v.discontinued, _v.sellable_from, _v.is_bundle, _v.for_sale)
# SQLite: joined from the family, not ``id IN (family)``, which walks the merchant index instead.
_VARIANTS_SQLITE = select(*_VARIANT_ROW).join_from(_FAMILY, variants, _v.id == _FAMILY.c.id).where(_v.merchant_id == _M)
_COMPONENTS = select(_bc.bundle_id, _bc.component_id, _bc.quantity).where(
    _bc.merchant_id == _M, in_list(_bc.bundle_id, "ids")
)


def _family_reads(dialect: str) -> tuple[Any, ...]:
    """The reads of the variants' family (the variants, their levels, expired stock, rules, open orders of a
    ``prebook``), written for ``dialect``'s family (:func:`_family`)."""

    def family(column: Any) -> Any:
        return _family(column, dialect)

    # PostgreSQL: the family as an array, as the other reads take it. The join's generic plan (what a
    # statement prepared after five runs gets, without planner statistics) rescanned the family for every
    # variant of the merchant: 9 ms of server CPU for the 401 variants of a fan-out, 1.3 ms this way.
    if dialect == "postgresql":
        read_variants = select(*_VARIANT_ROW).where(_v.merchant_id == _M, family(_v.id))
    else:
        read_variants = _VARIANTS_SQLITE
    levels = select(_s.variant_id, _s.location_id, _s.inventory_type_id, _s.on_hand, _s.booked).where(
        _s.merchant_id == _M, family(_s.variant_id)
    )
    expired = (
        select(_ll.variant_id, _ll.location_id, _ll.inventory_type_id, func.sum(_ll.on_hand))
        .join(
            lots,
            and_(lots.c.merchant_id == _ll.merchant_id, lots.c.variant_id == _ll.variant_id, lots.c.code == _ll.lot),
        )
        .where(_ll.merchant_id == _M, family(_ll.variant_id), _ll.on_hand > 0, lots.c.expires_on < bindparam("today"))
        .group_by(_ll.variant_id, _ll.location_id, _ll.inventory_type_id)
    )
    rules = select(
        _r.channel_id, _r.variant_id, _r.kind, _r.quantity, cast(_r.percent, String), _r.location_id, _r.reserve, _r.cap
    ).where(_r.merchant_id == _M, in_list(_r.channel_id, "chs"), family(_r.variant_id))
    owed = (
        select(_bo.variant_id, func.sum(_bo.quantity - _bo.allocated - _bo.cancelled))
        .where(
            _bo.merchant_id == _M,
            _bo.variant_id.in_(
                select(_r.variant_id).where(
                    _r.merchant_id == _M, _r.kind == "prebook", in_list(_r.channel_id, "chs"), family(_r.variant_id)
                )
            ),
        )
        .group_by(_bo.variant_id)
    )
    return (read_variants, _COMPONENTS, levels, expired, rules, owed)


_READS = {dialect: (_LOCATIONS, _TYPES, *_family_reads(dialect)) for dialect in ("postgresql", "sqlite")}


def fact_reads(
    conn: Connection, m: int, variant_ids: Iterable[int], channel_ids: Iterable[int], today: date
) -> list[Statement]:
    """The reads :func:`facts_from` needs for these variants (bundles: their components too) on these
    channels, to send in one round trip (:func:`fetch_together`) in ``conn``'s transaction, possibly
    with others."""
    params = {"m": m, "ids": sorted(set(variant_ids)), "chs": sorted(set(channel_ids)), "today": today}
    return [(statement, params) for statement in _READS[conn.dialect.name]]


def load_facts(conn: Connection, m: int, variant_ids: Iterable[int], channel_ids: Iterable[int], today: date) -> Facts:
    """Everything needed to compute the offers of ``variant_ids`` (bundles: their components too),
    read in one round trip."""
    return facts_from(fetch_together(conn, fact_reads(conn, m, variant_ids, channel_ids, today)))


def facts_from(rows: list[Rows]) -> Facts:
    """The facts from the rows of :func:`fact_reads`, in its order."""
    located, typed, found, parts, levels, expired_rows, rules, owed = rows
    facts = Facts()
    tree = facts.tree
    for loc_id, code, parent, saleable in located:
        tree.codes[int(loc_id)] = str(code)
        tree.by_code[str(code)] = int(loc_id)
        tree.saleable[int(loc_id)] = bool(saleable)
        if parent is not None:
            tree.children.setdefault(int(parent), []).append(int(loc_id))
    facts.type_codes = {int(i): str(c) for i, c in typed}
    for vid, sku, tracked, discontinued, sellable_from, is_bundle, for_sale in found:
        facts.variants[int(vid)] = VariantRow(
            int(vid), str(sku), bool(tracked), bool(discontinued), sellable_from, bool(is_bundle), bool(for_sale)
        )
    for bundle_id, component_id, quantity in parts:
        facts.components.setdefault(int(bundle_id), []).append((int(component_id), int(quantity)))
    expired = {(int(v), int(loc), int(t)): int(q) for v, loc, t, q in expired_rows}
    for vid, loc, typ, on_hand, booked in levels:
        key = (int(vid), int(loc), int(typ))
        facts.levels.setdefault(key[0], []).append(
            Level(key[1], key[2], int(on_hand), int(booked), expired.get(key, 0))
        )
    for ch, vid, kind, quantity, percent, location_id, reserve, cap in rules:
        facts.rules[(int(ch), int(vid))] = Rule(
            kind=str(kind),
            quantity=None if quantity is None else int(quantity),
            percent=None if percent is None else Decimal(str(percent)),
            location=None if location_id is None else tree.codes.get(int(location_id)),
            reserve=None if reserve is None else int(reserve),
            cap=None if cap is None else int(cap),
        )
    prebook = {vid for (_, vid), rule in facts.rules.items() if rule.kind == "prebook"}
    for vid in prebook:  # open orders = booked at every location + backordered and still owed
        facts.booked_open[vid] = sum(level.booked for level in facts.levels.get(vid, []))
    for vid, still_owed in owed:
        facts.booked_open[int(vid)] = facts.booked_open.get(int(vid), 0) + max(0, int(still_owed or 0))
    return facts
