"""The stock screen's search finds exactly what its definition says, in SKU order, page by page:
compared with the same rule worked out in Python over every variant's row (both backends), with
the index-first path and the walk in SKU order (``FEW`` made small) both taken."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import barcodes, lots, variants
from truecount.adapters.db.tables.ledger import lot_levels, stock_levels
from truecount.adapters.db.tables.orders import backorders
from truecount.domain.commands import EditLocation, OrderLineSpec, PlaceOrder, PostMovement
from truecount.entrypoints.web import stock_search
from truecount.entrypoints.web.dashboard import SOON_DAYS, VariantRow, rows_for
from truecount.services.catalog.places import edit_location
from truecount.services.common.scope import Scope
from truecount.services.offers.recompute import offers_for_skus
from truecount.services.offers.recompute import today as offer_day
from truecount.services.orders.place import place_order
from truecount.services.stock.movements import post_movement

QUERIES = ["", "tee", "TEE-0", "blue", "Bundle", "4000000000", "400000000003", "zz", "e", "sock-1", "nothing here"]


def shop(db: Database, scope: Scope) -> None:
    """Places of every kind, tees in two products, bundles, expired and expiring lots, an oversell."""
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "WH1-Q", parent="WH1", saleable=False)
    f.location(db, scope, "WH2")
    f.location(db, scope, "BACK", saleable=False)
    f.location(db, scope, "BACK-B", parent="BACK")  # saleable itself, but under a place not for sale
    today = date.today()
    for i in range(12):
        sku = f"TEE-{i:02d}"
        f.variant(db, scope, sku, name="Blue tee" if i < 6 else "Red tee", barcodes=[f"40000000000{i % 10}{i // 10}"])
        at = ("WH1", "WH1-A", "WH1-Q", "WH2", "BACK", "BACK-B")[i % 6]
        if i % 4:
            f.receive(db, scope, sku, i, at)
        if i % 3 == 0:
            f.receive(db, scope, sku, 2 + i, "WH2", inventory_type="damaged")
    f.variant(db, scope, "UNTRACKED", name="Blue service", tracked=False)
    for sku, lot, days, units in (("OLD", "O1", -3, 8), ("SOON", "S1", 9, 4), ("LATER", "L1", 400, 3)):
        f.variant(db, scope, sku, name="Milk")
        f.receive(db, scope, sku, units, "WH1", lot=lot, expires_on=today + timedelta(days=days))
    f.receive(db, scope, "OLD", 2, "WH2")
    for sku in ("SOCK-1", "SOCK-2"):
        f.variant(db, scope, sku, name="Sock")
    f.receive(db, scope, "SOCK-1", 3, "WH1")
    f.receive(db, scope, "SOCK-2", 40, "WH1")
    f.variant(db, scope, "SOCK-2PK", name="Sock bundle", components=[("SOCK-1", 1), ("SOCK-2", 1)])
    f.variant(db, scope, "SOCK-9PK", name="Sock bundle", components=[("SOCK-2", 9)])
    of.channel(db, scope, "web", ["WH1", "WH2"])
    f.variant(db, scope, "OVER", name="Blue over")
    f.receive(db, scope, "OVER", 5, "WH2")
    place_order(db, scope, PlaceOrder("web", "o-over", [OrderLineSpec("OVER", 7)]))  # 5 booked, 2 owed
    f.variant(db, scope, "SHORT", name="Red short")
    f.receive(db, scope, "SHORT", 6, "WH1")
    place_order(db, scope, PlaceOrder("web", "o-short", [OrderLineSpec("SHORT", 5)]))
    post_movement(db, scope, PostMovement("count", "SHORT", "WH1", 2))  # booked 5 > on hand 2


def expected(db: Database, scope: Scope, q: str, show: str, low_below: int) -> list[str]:
    """The definition, in Python, over every variant of the merchant."""
    m = scope.merchant_id
    with db.read() as conn:
        ids = [int(r[0]) for r in conn.execute(select(variants.c.id).where(variants.c.merchant_id == m))]
        rows = {row.sku: row for row in rows_for(conn, m, ids)}
        codes = {(str(r[0]), str(r[1])) for r in conn.execute(
            select(variants.c.sku, barcodes.c.code).join(barcodes, barcodes.c.variant_id == variants.c.id)
            .where(variants.c.merchant_id == m))}  # fmt: skip
        sl, bo, ll = stock_levels.c, backorders.c, lot_levels.c
        short = {
            int(r[0]) for r in conn.execute(select(sl.variant_id).where(sl.merchant_id == m, sl.booked > sl.on_hand))
        }
        owed = {int(r[0]) for r in conn.execute(select(bo.variant_id).where(
            bo.merchant_id == m, bo.preorder.is_(False), bo.quantity - bo.allocated - bo.cancelled > 0))}  # fmt: skip
        soon = offer_day() + timedelta(days=SOON_DAYS)
        expiring = {int(r[0]) for r in conn.execute(
            select(ll.variant_id).join(lots, (lots.c.merchant_id == ll.merchant_id)
                                       & (lots.c.variant_id == ll.variant_id) & (lots.c.code == ll.lot))
            .where(ll.merchant_id == m, ll.on_hand > 0, lots.c.expires_on < soon))}  # fmt: skip
        sku_of = {
            int(r[0]): str(r[1])
            for r in conn.execute(select(variants.c.id, variants.c.sku).where(variants.c.merchant_id == m))
        }
    offers = offers_for_skus(db, scope, [row.sku for row in rows.values() if row.made_to_order])
    for row in rows.values():
        row.offers = offers.get(row.sku, [])

    def matches(row: VariantRow) -> bool:
        text = q.lower()
        return not q or text in row.sku.lower() or text in row.name.lower() or (row.sku, q) in codes

    def passes(row: VariantRow) -> bool:
        if show == "low":
            return row.tracked and 0 < row.figure <= low_below
        if show == "out":
            return row.tracked and row.figure <= 0
        if show == "oversold":
            return row.sku in {sku_of[i] for i in short | owed}
        if show == "expiring":
            return row.sku in {sku_of[i] for i in expiring}
        return True

    return sorted(sku for sku, row in rows.items() if matches(row) and passes(row))


@pytest.mark.parametrize("few", [2, 1000])
def test_every_search_and_filter_finds_exactly_its_definition_in_sku_order_page_by_page(
    db: Database, scope: Scope, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    monkeypatch.setattr(stock_search, "FEW", few)
    shop(db, scope)
    seen_some = set()
    for show in stock_search.FILTERS:
        for q in QUERIES:
            for low_below in (5, 12):
                want = expected(db, scope, q, show, low_below)
                got = [row.sku for row in stock_search.search(db, scope, q, show, low_below, 100, 0)]
                assert got == want, (show, q, low_below)
                page = [row.sku for row in stock_search.search(db, scope, q, show, low_below, 2, 1)]
                assert page == want[1:3], (show, q, low_below)
                seen_some |= {show} if want else set()
    assert seen_some == set(stock_search.FILTERS)  # every filter found something somewhere


def test_the_filters_follow_a_place_that_stops_and_starts_feeding_the_channels(db: Database, scope: Scope) -> None:
    shop(db, scope)
    for saleable, parent in ((False, None), (True, "BACK"), (True, ""), (True, "WH1")):
        edit_location(db, scope, EditLocation("WH2", saleable=saleable, parent=parent))
        for show in ("low", "out"):
            for q in ("", "tee", "O"):
                want = expected(db, scope, q, show, 12)
                assert [row.sku for row in stock_search.search(db, scope, q, show, 12, 100, 0)] == want
