"""What the stock screen shows: per variant, on_hand / booked / available per location.

Bins roll up into their top-level location; stock in a non-saleable place (a
non-saleable location or bin) is its own row, marked. ``available`` for a variant's
headline is what could be sold: saleable places, sellable inventory types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, func, select

from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import barcodes, inventory_types, locations, lots, products, variants
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.adapters.db.tables.orders import backorders, order_lines
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.domain.offers import PoolLine
from truecount.domain.places import feeding, top_of
from truecount.domain.suppliers import cost_text
from truecount.services.common.scope import Scope
from truecount.services.offers.recompute import today as offer_day
from truecount.services.offers.shown import ChannelOffer

SOON_DAYS = 30  # stock expiring within this many days is flagged on the screen


def level_available(on_hand: int, booked: int, expired: int) -> int:
    """One stock level's available, as channels count it: on hand − booked, less expired stock
    (:class:`PoolLine`: bookings are met from good stock); an oversold level (booked over on
    hand) shows how far it is short."""
    free = on_hand - booked
    if free < 0:
        return free
    return PoolLine("", "", on_hand, booked, expired).available


@dataclass
class PlaceRow:
    """A top-level place of a variant (its bins rolled in) in one inventory type."""

    location: str
    name: str
    saleable: bool
    inventory_type: str
    sellable_type: bool
    on_hand: int = 0
    booked: int = 0
    available: int = 0  # Σ level_available over the place's levels (the place and its bins)
    expired: int = 0  # on hand in lots past their expiry date: never offered to a channel
    expiring: int = 0  # on hand in lots expiring within SOON_DAYS
    first_expiry: date | None = None  # the earliest expiry date of those

    def add(self, on_hand: int, booked: int, expiry: LevelExpiry) -> None:
        """Roll one stock level (the place's own or a bin's) into the row."""
        self.on_hand += on_hand
        self.booked += booked
        self.available += level_available(on_hand, booked, expiry.expired)
        self.expired += expiry.expired
        self.expiring += expiry.expiring
        if expiry.first_expiry is not None:
            self.first_expiry = min(filter(None, (self.first_expiry, expiry.first_expiry)))


@dataclass
class VariantRow:
    sku: str
    name: str
    options: dict[str, str]
    tracked: bool
    discontinued: bool
    places: list[PlaceRow] = field(default_factory=list)
    offers: list[ChannelOffer] = field(default_factory=list)
    backordered: int = 0  # owed to orders, at no location (an oversell; pre-orders excluded)
    owed_for: list[str] = field(default_factory=list)  # bundles sold whose units of this SKU are owed
    bundle: bool = False
    variant_id: int = 0

    @property
    def made_to_order(self) -> bool:
        """A bundle with no assembled stock of its own: what it can offer comes from its components."""
        return self.bundle and not any(p.on_hand for p in self.places)

    @property
    def can_offer(self) -> int:
        """A made-to-order bundle's largest offer over the channels (0 without channels)."""
        return max((o.quantity for o in self.offers), default=0)

    @property
    def on_hand(self) -> int:
        return sum(p.on_hand for p in self.places)

    @property
    def booked(self) -> int:
        return sum(p.booked for p in self.places)

    @property
    def sellable(self) -> int:
        """Available in saleable places and sellable types: what channels are fed from."""
        return sum(p.available for p in self.places if p.saleable and p.sellable_type)

    @property
    def expired(self) -> int:
        return sum(p.expired for p in self.places)

    @property
    def figure(self) -> int:
        """What the status and the low / out-of-stock filters judge: a made-to-order bundle's
        largest offer, else what is sellable."""
        return self.can_offer if self.made_to_order else self.sellable

    @property
    def oversold(self) -> bool:
        return self.backordered > 0 or any(p.available < 0 for p in self.places)

    def status(self, low_below: int) -> str:
        if not self.tracked:
            return "untracked"
        if self.oversold:
            return "oversold"
        if self.figure <= 0:
            return "out"
        return "low" if self.figure <= low_below else "ok"


def rows_for(conn: Connection, m: int, ids: list[int]) -> list[VariantRow]:
    """The screen rows of these variants, in the given order: six reads sent together (one round
    trip on PostgreSQL, :func:`fetch_together`)."""
    if not ids:
        return []
    today = offer_day()
    return rows_from(fetch_together(conn, row_reads(m, ids, today)), m, ids, today)


def row_reads(m: int, ids: list[int], today: date) -> list[Statement]:
    """The six reads :func:`rows_from` needs for the rows of these variants (to send together,
    possibly with others); ``today`` the channels' day."""
    soon = today + timedelta(days=SOON_DAYS)
    params = {"m": m, "ids": ids}
    return [
        (_ROWS, {"ids": ids}),
        (_PLACES, {"m": m}),
        (_TYPES, {"m": m}),
        (_EXPIRY, {**params, "soon": soon}),
        (_LEVELS, params),
        (_OWED, params),
    ]


def rows_from(results: list[Rows], m: int, ids: list[int], today: date) -> list[VariantRow]:
    """The rows of these variants, in the given order, from the rows of :func:`row_reads`."""
    found_rows, place_rows, type_rows, expiry_rows, level_rows, owed_rows = results
    # The merchant is checked here, not in SQL: with ``merchant_id = ?`` beside the ids SQLite walked
    # the merchant's variants by the merchant index instead of looking the ids up (38 ms at 100,000).
    found = {
        int(r[0]): VariantRow(
            r[1], r[2], json.loads(r[3]), bool(r[4]), bool(r[5]), bundle=bool(r[6]), variant_id=int(r[0])
        )
        for r in found_rows
        if int(r[7]) == m
    }
    places = _places_from(place_rows)
    types = {int(r[0]): (r[1], bool(r[2])) for r in type_rows}
    expiry = _expiry_from(expiry_rows, today)
    grouped: dict[tuple[int, tuple[str, bool, str]], PlaceRow] = {}
    for vid, loc, itype, on_hand, booked in level_rows:
        if not on_hand and not booked:
            continue
        root_code, root_name, saleable = places[int(loc)]
        type_code, sellable_type = types[int(itype)]
        key = (int(vid), (root_code, saleable, type_code))
        row = grouped.get(key)
        if row is None:
            row = grouped[key] = PlaceRow(root_code, root_name, saleable, type_code, sellable_type)
        row.add(int(on_hand), int(booked), expiry.get((int(vid), int(loc), int(itype)), NO_EXPIRY))
    _owed(owed_rows, found)
    for (vid, _), row in sorted(grouped.items(), key=lambda kv: (kv[0][1][0], not kv[0][1][1], kv[0][1][2])):
        found[vid].places.append(row)
    return [found[i] for i in ids if i in found]


_v, _sl, _ll, _bo = variants.c, stock_levels.c, lot_levels.c, backorders.c
_sold_as = variants.alias("sold")
_sold = _sold_as.c
_ROWS = (
    select(_v.id, _v.sku, products.c.name, _v.options, _v.tracked, _v.discontinued, _v.is_bundle, _v.merchant_id)
    .join(products, products.c.id == _v.product_id)
    .where(any_of(_v.id, "ids"))
)
_PLACES = select(locations.c.id, locations.c.code, locations.c.name, locations.c.parent_id, locations.c.saleable).where(
    locations.c.merchant_id == bindparam("m")
)
_TYPES = select(inventory_types.c.id, inventory_types.c.code, inventory_types.c.sellable).where(
    inventory_types.c.merchant_id == bindparam("m")
)
#: What is on hand in lots expired or expiring before ``soon``, per level.
_EXPIRY = (
    select(_ll.variant_id, _ll.location_id, _ll.inventory_type_id, _ll.on_hand, lots.c.expires_on)
    .join(
        lots, (lots.c.merchant_id == _ll.merchant_id) & (lots.c.variant_id == _ll.variant_id) & (lots.c.code == _ll.lot)
    )
    .where(
        _ll.merchant_id == bindparam("m"),
        any_of(_ll.variant_id, "ids"),
        _ll.on_hand > 0,
        lots.c.expires_on.is_not(None),
        lots.c.expires_on < bindparam("soon"),
    )
)
_LEVELS = select(_sl.variant_id, _sl.location_id, _sl.inventory_type_id, _sl.on_hand, _sl.booked).where(
    _sl.merchant_id == bindparam("m"), any_of(_sl.variant_id, "ids")
)
#: Open oversold backorders per variant and the SKU sold (a bundle's short components are owed
#: under the components' SKUs).
_OWED = (
    select(_bo.variant_id, _sold.sku, func.sum(_bo.quantity - _bo.allocated - _bo.cancelled))
    .join(order_lines, order_lines.c.id == _bo.order_line_id)
    .join(_sold_as, _sold.id == order_lines.c.variant_id)
    .where(_bo.merchant_id == bindparam("m"), any_of(_bo.variant_id, "ids"), _bo.preorder.is_(False))
    .group_by(_bo.variant_id, _sold.sku)
    .order_by(_sold.sku)
)


def _owed(rows: Rows, found: dict[int, VariantRow]) -> None:
    """Each row's open oversold backorders, and the bundles they were sold as."""
    for vid, sold_sku, owed in rows:
        row = found.get(int(vid))
        if row is None or not owed or int(owed) <= 0:
            continue
        row.backordered += int(owed)
        if sold_sku != row.sku:
            row.owed_for.append(str(sold_sku))


class LevelExpiry(NamedTuple):
    expired: int
    expiring: int
    first_expiry: date | None


NO_EXPIRY = LevelExpiry(0, 0, None)


def _expiry_from(rows: Rows, today: date) -> dict[tuple[int, int, int], LevelExpiry]:
    """(variant, location, type) → what is on hand there in expired lots and in lots expiring
    within SOON_DAYS (with the earliest of those dates). "Today" is the channels' (UTC) day."""
    out: dict[tuple[int, int, int], LevelExpiry] = {}
    for vid, loc, itype, on_hand, expires in rows:
        key = (int(vid), int(loc), int(itype))
        was = out.get(key, NO_EXPIRY)
        if expires < today:
            out[key] = LevelExpiry(was.expired + int(on_hand), was.expiring, was.first_expiry)
        else:
            first = min(filter(None, (was.first_expiry, expires)))
            out[key] = LevelExpiry(was.expired, was.expiring + int(on_hand), first)
    return out


def feeding_of(conn: Connection, m: int) -> tuple[list[int], list[int]]:
    """The saleable places (a bin of a place not for sale is not for sale) and the sellable types
    (one round trip on PostgreSQL)."""
    place_rows, type_rows = fetch_together(conn, [(_PLACES, {"m": m}), (_TYPES, {"m": m})])
    saleable = [loc for loc, (_code, _name, is_saleable) in _places_from(place_rows).items() if is_saleable]
    return saleable, [int(r[0]) for r in type_rows if r[2]]


def _places_from(rows: Rows) -> dict[int, tuple[str, str, bool]]:
    """location id → (top-level code, its name, whether this place feeds the channels)."""
    places = {int(r[0]): (r[1], r[2], None if r[3] is None else int(r[3]), bool(r[4])) for r in rows}
    parents = {loc_id: row[2] for loc_id, row in places.items()}
    feeds = feeding({loc_id: (row[2], row[3]) for loc_id, row in places.items()})
    out = {}
    for loc_id in places:
        top = places[top_of(loc_id, parents)]
        out[loc_id] = (top[0], top[1], loc_id in feeds)
    return out


def variant_ids_for_skus(conn: Connection, m: int, skus: list[str]) -> list[int]:
    return [
        int(r[0])
        for r in conn.execute(
            select(variants.c.id).where(variants.c.merchant_id == m, variants.c.sku.in_(skus)).order_by(variants.c.sku)
        )
    ]


def latest_movement_id(db: Database) -> int:
    """The newest movement id of any merchant (the primary key's maximum: an index lookup)."""
    with db.read() as conn:
        return int(conn.execute(select(func.coalesce(func.max(movements.c.id), 0))).scalar_one())


def changed_since(db: Database, scope: Scope, after_id: int, upto_id: int) -> list[tuple[int, str]]:
    """(movement id, SKU) of the merchant's movements with ids in ``(after_id, upto_id]`` (a primary-key range)."""
    c = movements.c
    with db.read() as conn:
        return [
            (int(r[0]), r[1])
            for r in conn.execute(
                select(c.id, variants.c.sku)
                .join(variants, variants.c.id == c.variant_id)
                .where(c.id > after_id, c.id <= upto_id, c.merchant_id == scope.merchant_id)
                .order_by(c.id)
                .limit(5000)
            )
        ]


def screen_rows(db: Database, scope: Scope, skus: list[str]) -> list[VariantRow]:
    with db.read() as conn:
        return rows_for(conn, scope.merchant_id, variant_ids_for_skus(conn, scope.merchant_id, skus))


def variant_card(db: Database, scope: Scope, code: str) -> tuple[dict[str, Any], VariantRow]:
    """A variant's description (by SKU or barcode) and its screen row."""
    from truecount.services.common.lookups import variant_id

    m = scope.merchant_id
    v = variants.c
    with db.read() as conn:
        vid = variant_id(conn, m, code)
        r = conn.execute(
            select(
                v.sku,
                products.c.name,
                v.options,
                v.tracked,
                v.discontinued,
                v.sellable_from,
                v.is_bundle,
                v.for_sale,
                v.unit_cost,
            )
            .join(products, products.c.id == v.product_id)
            .where(v.id == vid)
        ).one()
        codes = sorted(
            str(c)
            for c in conn.execute(
                select(barcodes.c.code).where(barcodes.c.merchant_id == m, barcodes.c.variant_id == vid)
            ).scalars()
        )
        row = rows_for(conn, m, [vid])[0]
    card = {
        "sku": r[0],
        "name": r[1],
        "options": json.loads(r[2]),
        "tracked": bool(r[3]),
        "discontinued": bool(r[4]),
        "sellable_from": r[5],
        "bundle": bool(r[6]),
        "for_sale": bool(r[7]),
        "unit_cost": None if r[8] is None else cost_text(Decimal(r[8])),
        "barcodes": codes,
    }  # the keys of the API's VariantPublic
    return card, row
