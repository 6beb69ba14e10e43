"""Every kind of write to ``stock_levels`` keeps each variant's available figure (``variant_available``)
what the levels say, on both backends: inserts, booking, shipping, transfers between a place that
feeds the channels and one that does not, several levels in one statement, on hand and booked moved
together, a level's key changed (its place, its inventory type), deletes, and a place starting and
stopping to feed. After each write the kept figures are compared with the figures worked out here
from the levels (the rule for places, the sellable types)."""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations, variants
from truecount.adapters.db.tables.ledger import stock_levels, variant_available
from truecount.domain.commands import EditLocation
from truecount.domain.places import feeding
from truecount.services.catalog.places import edit_location
from truecount.services.common.available import available_drift
from truecount.services.common.scope import Scope


def _kept(conn: Connection, m: int) -> dict[str, int | None]:
    a, v = variant_available.c, variants.c
    query = select(v.sku, a.available).join(variant_available, a.variant_id == v.id).where(v.merchant_id == m)
    return {str(sku): None if figure is None else int(figure) for sku, figure in conn.execute(query)}


def _from_levels(conn: Connection, m: int) -> dict[str, int]:
    """Σ (on hand − booked) per variant over its levels at places that feed by the rule, in sellable types."""
    p, t, s, v = locations.c, inventory_types.c, stock_levels.c, variants.c
    places = {int(r[0]): (None if r[1] is None else int(r[1]), bool(r[2])) for r in conn.execute(
        select(p.id, p.parent_id, p.saleable).where(p.merchant_id == m))}  # fmt: skip
    feeds = feeding(places)
    sellable = {int(r[0]) for r in conn.execute(select(t.id).where(t.merchant_id == m, t.sellable.is_(True)))}
    figures = {str(sku): 0 for (sku,) in conn.execute(select(v.sku).where(v.merchant_id == m))}
    levels = select(v.sku, s.location_id, s.inventory_type_id, s.on_hand, s.booked).join(variants, v.id == s.variant_id)
    for sku, place, itype, on_hand, booked in conn.execute(levels.where(s.merchant_id == m)):
        if int(place) in feeds and int(itype) in sellable:
            figures[str(sku)] += int(on_hand) - int(booked)
    return figures


def _exact(db: Database, scope: Scope) -> dict[str, int | None]:
    with db.read() as conn:
        kept = _kept(conn, scope.merchant_id)
        assert kept == _from_levels(conn, scope.merchant_id)
        assert available_drift(conn, scope.merchant_id) == []
    return kept


def _sql(db: Database, scope: Scope, statement: str, **params: str) -> None:
    """A write by hand (another tool, a support engineer), ids looked up by code and SKU."""
    m = scope.merchant_id
    with db.write() as conn:
        ids = {
            name: int(conn.execute(text(f"SELECT id FROM {table} WHERE merchant_id = :m AND {column} = :v"),
                                   {"m": m, "v": value}).scalar_one())
            for name, (table, column, value) in {
                "tee": ("variants", "sku", "TEE"), "cap": ("variants", "sku", "CAP"), "mug": ("variants", "sku", "MUG"),
                "wh1": ("locations", "code", "WH1"), "wh2": ("locations", "code", "WH2"),
                "shop": ("locations", "code", "SHOP"), "good": ("inventory_types", "code", "good"),
                "damaged": ("inventory_types", "code", "damaged"),
            }.items()
        }  # fmt: skip
        conn.execute(text(statement.format(**ids)), {"m": m, **params})


def test_every_kind_of_level_write_keeps_the_figure_exact(db: Database, scope: Scope) -> None:
    o.shop(db, scope, "TEE", "CAP", "MUG")  # WH1, WH1-A, WH2 feed; SHOP does not; channel web
    assert _exact(db, scope) == {"TEE": 0, "CAP": 0, "MUG": 0}
    # inserts: at feeding and non-feeding places, in a sellable and a non-sellable type
    f.receive(db, scope, "TEE", 10, "WH1")
    f.receive(db, scope, "TEE", 5, "SHOP")
    f.receive(db, scope, "TEE", 4, "WH1", inventory_type="damaged")
    f.receive(db, scope, "CAP", 3, "WH2")
    f.receive(db, scope, "MUG", 7, "WH1-A")
    assert _exact(db, scope) == {"TEE": 10, "CAP": 3, "MUG": 7}
    # booking (booked moves alone), then shipping (on hand and booked move together)
    placed = o.order(db, scope, "A1", ("TEE", 3), ("CAP", 1))
    assert _exact(db, scope) == {"TEE": 7, "CAP": 2, "MUG": 7}
    o.change(db, scope, "fulfil", placed.id)
    assert _exact(db, scope) == {"TEE": 7, "CAP": 2, "MUG": 7}
    o.order(db, scope, "A2", ("MUG", 2))
    # a count and an adjustment (on hand moves alone)
    f.move(db, scope, "count", "TEE", "WH1", 9)
    f.move(db, scope, "adjust", "MUG", "WH1-A", -1, reason="broken")
    assert _exact(db, scope) == {"TEE": 9, "CAP": 2, "MUG": 4}
    # transfers from a feeding place to one that does not feed, and back to another that does
    f.move(db, scope, "transfer", "TEE", "WH1", 4, to_location="SHOP")
    assert _exact(db, scope)["TEE"] == 5
    f.move(db, scope, "transfer", "TEE", "SHOP", 6, to_location="WH2")
    assert _exact(db, scope)["TEE"] == 11
    # by hand: several levels in one statement, feeding or not, some unchanged
    _sql(db, scope, "UPDATE stock_levels SET on_hand = on_hand + 1 WHERE merchant_id = :m")
    _sql(db, scope, "UPDATE stock_levels SET booked = booked WHERE merchant_id = :m")
    assert _exact(db, scope) == {"TEE": 13, "CAP": 3, "MUG": 5}
    # on hand and booked moved together by different amounts
    _sql(db, scope, "UPDATE stock_levels SET on_hand = on_hand + 5, booked = booked + 2 "
         "WHERE merchant_id = :m AND variant_id = {tee} AND location_id = {wh2}")  # fmt: skip
    assert _exact(db, scope)["TEE"] == 16
    # a level's inventory type changed (sellable to not and back), then its place (feeding to not)
    _sql(db, scope, "UPDATE stock_levels SET inventory_type_id = {damaged} "
         "WHERE merchant_id = :m AND variant_id = {cap} AND location_id = {wh2}")  # fmt: skip
    assert _exact(db, scope)["CAP"] == 0
    _sql(db, scope, "UPDATE stock_levels SET inventory_type_id = {good} "
         "WHERE merchant_id = :m AND variant_id = {cap} AND location_id = {wh2}")  # fmt: skip
    assert _exact(db, scope)["CAP"] == 3
    _sql(db, scope, "UPDATE stock_levels SET location_id = {shop} "
         "WHERE merchant_id = :m AND variant_id = {cap} AND location_id = {wh2}")  # fmt: skip
    assert _exact(db, scope)["CAP"] == 0
    # a level handed to another variant (the key's variant changed)
    _sql(db, scope, "UPDATE stock_levels SET variant_id = {mug} WHERE merchant_id = :m AND variant_id = {tee} "
         "AND location_id = {wh2}")  # fmt: skip
    assert _exact(db, scope) == {"TEE": 6, "CAP": 0, "MUG": 15}
    # a place starting to feed, and stopping again
    before = _exact(db, scope)
    edit_location(db, scope, EditLocation("SHOP", saleable=True))
    assert _exact(db, scope) != before
    edit_location(db, scope, EditLocation("SHOP", saleable=False))
    assert _exact(db, scope) == before
    # deletes: one level, then every level of a variant in one statement
    _sql(db, scope, "DELETE FROM lot_levels WHERE merchant_id = :m AND variant_id = {tee} AND location_id = {wh1}")
    _sql(db, scope, "DELETE FROM stock_levels WHERE merchant_id = :m AND variant_id = {tee} AND location_id = {wh1}")
    _exact(db, scope)
    _sql(db, scope, "DELETE FROM lot_levels WHERE merchant_id = :m AND variant_id = {mug}")
    _sql(db, scope, "DELETE FROM stock_levels WHERE merchant_id = :m AND variant_id = {mug}")
    assert _exact(db, scope)["MUG"] == 0
