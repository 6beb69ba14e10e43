"""Channel offers on SQLite and PostgreSQL: the pool, rules, bundles, and incremental recompute."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import push_queue
from truecount.domain import commands
from truecount.domain.commands import AddProduct, VariantSpec
from truecount.domain.errors import AlreadyExists, InsufficientStock, InvalidInput, NotFound
from truecount.services.catalog import records as catalog
from truecount.services.common.scope import Scope
from truecount.services.offers import listings
from truecount.services.offers import recompute as offers
from truecount.services.offers.channel_sources import set_channel_locations
from truecount.services.offers.rules import clear_rule
from truecount.services.offers.rules_sheet import import_rules
from truecount.services.orders import place as orders
from truecount.services.stock.movements import record_movement


def queued(db: Database, scope: Scope) -> dict[int, int]:
    with db.read() as conn:
        rows = conn.execute(
            select(push_queue.c.listing_id, push_queue.c.quantity).where(push_queue.c.merchant_id == scope.merchant_id)
        )
        return {int(lid): int(q) for lid, q in rows}


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "WH1-A", parent="WH1")
    f.location(db, scope, "QC", saleable=False)
    f.location(db, scope, "SHOP")
    f.variant(db, scope, "TEE")
    return scope


def test_the_pool_counts_saleable_locations_their_bins_and_sellable_types_only(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE", 10, "WH1")
    f.receive(db, shop, "TEE", 5, "WH1-A")  # a bin of a feeding warehouse
    f.receive(db, shop, "TEE", 7, "QC")  # not saleable
    f.receive(db, shop, "TEE", 3, "WH1", inventory_type="damaged")  # not a sellable type
    f.receive(db, shop, "TEE", 100, "SHOP")  # does not feed this channel
    of.channel(db, shop, "web", ["WH1", "QC"])
    of.channel(db, shop, "ebay", ["WH1"], kind="ebay", inventory_types=["good", "damaged"])
    of.listing(db, shop, "web", "TEE")
    of.listing(db, shop, "ebay", "TEE", {"sku": "TEE"})
    assert of.stored(db, shop) == {("web", "TEE"): 15, ("ebay", "TEE"): 18}
    explain = offers.quantities(db, shop, "web", "TEE")[0].explain
    assert {(line["location"], line["available"]) for line in explain["pool"]["by_location"]} == {
        ("WH1", 10),
        ("WH1-A", 5),
    }


def test_expired_lots_are_left_out_and_stock_without_expiry_counts(db: Database, shop: Scope) -> None:
    today = date.today()
    f.receive(db, shop, "TEE", 4, "WH1", lot="OLD", expires_on=today - timedelta(days=1))
    f.receive(db, shop, "TEE", 6, "WH1", lot="NEW", expires_on=today + timedelta(days=30))
    f.receive(db, shop, "TEE", 2, "WH1")
    of.channel(db, shop, "web", ["WH1"])
    of.listing(db, shop, "web", "TEE")
    assert of.stored(db, shop) == {("web", "TEE"): 8}
    line = offers.quantities(db, shop, "web", "TEE")[0].explain["pool"]["by_location"][0]
    assert (line["on_hand"], line["expired"], line["available"]) == (12, 4, 8)


def test_a_movement_recomputes_the_listing_and_queues_a_push_in_its_transaction(db: Database, shop: Scope) -> None:
    of.channel(db, shop, "web", ["WH1"])
    listing = of.listing(db, shop, "web", "TEE")
    assert queued(db, shop) == {listing: 0}
    f.receive(db, shop, "TEE", 9, "WH1")
    assert of.stored(db, shop) == {("web", "TEE"): 9}
    assert queued(db, shop) == {listing: 9}
    with pytest.raises(InsufficientStock):
        f.move(db, shop, "transfer", "TEE", "WH1", 50, to_location="SHOP")
    assert of.stored(db, shop) == {("web", "TEE"): 9}  # the refusal rolled everything back


@pytest.fixture
def bottles(db: Database, shop: Scope) -> Scope:
    """Two bottles, each in a pack of 10 and a pack of 20, on two channels."""
    for sku in ("BOTTLE", "BOTTLE2"):
        f.variant(db, shop, sku)
        f.variant(db, shop, f"{sku}-10", components=[(sku, 10)])
        f.variant(db, shop, f"{sku}-20", components=[(sku, 20)])
    f.variant(db, shop, "OTHER")
    f.receive(db, shop, "BOTTLE", 200, "WH1")
    f.receive(db, shop, "BOTTLE2", 60, "WH1")
    f.receive(db, shop, "OTHER", 5, "WH1")
    for code in ("web", "amazon"):
        of.channel(db, shop, code, ["WH1"])
        of.rule(db, shop, code, "BOTTLE", "reserve", quantity=40)
        of.rule(db, shop, code, "BOTTLE2", "reserve", quantity=50)
        for sku in ("BOTTLE", "BOTTLE-10", "BOTTLE-20", "BOTTLE2", "BOTTLE2-10", "BOTTLE2-20", "OTHER"):
            of.listing(db, shop, code, sku)
    return shop


def test_the_spec_bundle_example_through_the_services(db: Database, bottles: Scope) -> None:
    web = {k[1]: q for k, q in of.stored(db, bottles).items() if k[0] == "web"}
    assert web == {
        "BOTTLE": 160,
        "BOTTLE-10": 16,
        "BOTTLE-20": 8,
        "BOTTLE2": 10,
        "BOTTLE2-10": 1,
        "BOTTLE2-20": 0,
        "OTHER": 5,
    }


def test_a_component_change_updates_every_bundle_on_every_channel_and_nothing_else(
    db: Database, bottles: Scope
) -> None:
    before_at = of.changed_at(db, bottles)
    before = of.stored(db, bottles)
    f.move(db, bottles, "adjust", "BOTTLE", "WH1", -20, reason="breakage")
    after = of.stored(db, bottles)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {(c, s) for c in ("web", "amazon") for s in ("BOTTLE", "BOTTLE-10", "BOTTLE-20")}
    assert after[("web", "BOTTLE")] == 140 and after[("amazon", "BOTTLE-10")] == 14
    after_at = of.changed_at(db, bottles)
    assert {k for k in after_at if after_at[k] != before_at[k]} == changed


def test_channels_that_see_stock_alike_are_evaluated_together_yet_each_keeps_its_own_rules(
    db: Database, bottles: Scope
) -> None:
    of.channel(db, bottles, "pos", ["WH1"])  # sees WH1 as web and amazon do, with its own reserve
    of.rule(db, bottles, "pos", "BOTTLE", "reserve", quantity=100)
    for sku in ("BOTTLE", "BOTTLE-10", "BOTTLE-20", "OTHER"):
        of.listing(db, bottles, "pos", sku)
    f.move(db, bottles, "adjust", "BOTTLE", "WH1", -20, reason="breakage")  # 180 available
    after = of.stored(db, bottles)
    packs = [after[(c, s)] for c in ("web", "amazon", "pos") for s in ("BOTTLE", "BOTTLE-10", "BOTTLE-20")]
    assert packs == [140, 14, 7, 140, 14, 7, 80, 8, 4]  # the bundles follow each channel's rule on BOTTLE
    assert after[("pos", "OTHER")] == after[("web", "OTHER")] == 5


def test_a_rule_change_recomputes_the_variant_and_its_bundles_on_that_channel_only(
    db: Database, bottles: Scope
) -> None:
    of.rule(db, bottles, "web", "BOTTLE", "cap", quantity=30)
    after = of.stored(db, bottles)
    assert after[("web", "BOTTLE")] == 30
    assert after[("web", "BOTTLE-10")] == 20  # a bundle uses its component before the cap
    assert after[("amazon", "BOTTLE")] == 160
    of.rule(db, bottles, "web", "BOTTLE", "stop_sell")
    assert of.stored(db, bottles)[("web", "BOTTLE-20")] == 0
    clear_rule(db, bottles, "web", "BOTTLE")
    assert of.stored(db, bottles)[("web", "BOTTLE")] == 200


def test_a_percent_rule_of_a_named_location(db: Database, shop: Scope) -> None:
    f.location(db, shop, "SUPPLIER", kind="dropship")
    f.receive(db, shop, "TEE", 10, "WH1")
    f.move(db, shop, "feed", "TEE", "SUPPLIER", 50)
    of.channel(db, shop, "web", ["WH1", "SUPPLIER"])
    of.listing(db, shop, "web", "TEE")
    of.rule(db, shop, "web", "TEE", "percent", percent=30, location="SUPPLIER")
    assert of.stored(db, shop) == {("web", "TEE"): 15}
    with pytest.raises(NotFound) as refused:
        of.rule(db, shop, "web", "TEE", "percent", percent=30, location="NOWHERE")
    assert refused.value.field == "location"


def test_changing_a_channels_locations_recomputes_its_listings(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE", 10, "WH1")
    f.receive(db, shop, "TEE", 4, "SHOP")
    of.channel(db, shop, "web", ["WH1"])
    of.listing(db, shop, "web", "TEE")
    result = set_channel_locations(db, shop, "web", ["WH1", "SHOP"])
    assert result.listings_changed == 1
    assert of.stored(db, shop) == {("web", "TEE"): 14}
    set_channel_locations(db, shop, "web", ["SHOP"], ["damaged"])
    assert of.stored(db, shop) == {("web", "TEE"): 0}


def test_flags_untracked_and_not_yet_sellable(db: Database, shop: Scope) -> None:
    f.variant(db, shop, "GIFT", tracked=False)
    f.variant(db, shop, "NEXT", sellable_from=date.today() + timedelta(days=3))
    f.receive(db, shop, "NEXT", 10, "WH1")
    of.channel(db, shop, "web", ["WH1"], always_in_stock=25)
    of.listing(db, shop, "web", "GIFT")
    of.listing(db, shop, "web", "NEXT")
    assert of.stored(db, shop) == {("web", "GIFT"): 25, ("web", "NEXT"): 0}
    of.rule(db, shop, "web", "NEXT", "prebook", quantity=40)
    assert of.stored(db, shop)[("web", "NEXT")] == 40


def test_listings_refuse_a_taken_reference_and_a_bad_one_but_take_a_second_listing_of_a_variant(
    db: Database, shop: Scope
) -> None:
    f.variant(db, shop, "TEE2")
    of.channel(db, shop, "shop", ["WH1"], kind="shopify")
    of.listing(db, shop, "shop", "TEE", {"inventory_item_id": 1, "location_id": 2})
    with pytest.raises(AlreadyExists) as again:
        of.listing(db, shop, "shop", "TEE", "1@2")
    assert again.value.field == "external_ref"
    with pytest.raises(AlreadyExists) as taken:
        of.listing(db, shop, "shop", "TEE2", "1@2")
    assert taken.value.field == "external_ref"
    with pytest.raises(InvalidInput):
        of.listing(db, shop, "shop", "TEE2", "1")  # no location, none configured
    of.listing(db, shop, "shop", "TEE", "9@2")  # a second listing of TEE, its own reference
    assert sorted(r.external_ref for r in listings.list_listings(db, shop, "shop")) == ["1@2", "9@2"]


def test_quantities_cover_the_whole_catalogue_with_the_listing_when_linked(db: Database, shop: Scope) -> None:
    catalog.add_product(db, shop, AddProduct("Mug", [VariantSpec("MUG")]))
    f.receive(db, shop, "MUG", 3, "WH1")
    of.channel(db, shop, "web", ["WH1"])
    listing = of.listing(db, shop, "web", "MUG")
    rows = offers.quantities(db, shop, "web")
    assert [(r.sku, r.quantity, r.listing.id if r.listing else None) for r in rows] == [
        ("MUG", 3, listing),
        ("TEE", 0, None),
    ]


def test_a_full_recompute_changes_nothing_when_everything_is_current(db: Database, bottles: Scope) -> None:
    assert offers.recompute_all(db, bottles) == {"listings": 14, "changed": 0}


def test_prebook_counts_open_orders_booked_and_backordered(db: Database, shop: Scope) -> None:
    f.receive(db, shop, "TEE", 4, "WH1")
    of.channel(db, shop, "web", ["WH1"])
    of.listing(db, shop, "web", "TEE")
    of.rule(db, shop, "web", "TEE", "prebook", quantity=40)
    assert of.stored(db, shop) == {("web", "TEE"): 40}
    order = commands.PlaceOrder("web", "W-1", [commands.OrderLineSpec("TEE", 6)])
    orders.place_order(db, shop, order)  # 4 booked at WH1, 2 backordered as a pre-order
    assert of.stored(db, shop) == {("web", "TEE"): 34}
    orders.place_order(db, shop, commands.PlaceOrder("web", "W-2", [commands.OrderLineSpec("TEE", 34)]))
    assert of.stored(db, shop) == {("web", "TEE"): 0}


def test_linking_many_at_once_skips_what_is_listed_and_computes_every_offer(db: Database, shop: Scope) -> None:
    f.variant(db, shop, "MUG")
    f.receive(db, shop, "MUG", 3, "WH1")
    of.channel(db, shop, "amazon", ["WH1"], kind="amazon")
    of.listing(db, shop, "amazon", "TEE", {"seller_sku": "TEE"})
    with db.write() as conn:
        linked = listings.link_many(conn, shop.merchant_id, "amazon", [("TEE", "TEE"), ("MUG", {"seller_sku": "M-1"})])
    assert linked == 1
    assert of.stored(db, shop) == {("amazon", "TEE"): 0, ("amazon", "MUG"): 3}


def test_concurrent_changes_to_two_components_leave_the_bundle_offer_right(db: Database, shop: Scope) -> None:
    f.variant(db, shop, "A")
    f.variant(db, shop, "B")
    f.variant(db, shop, "AB", components=[("A", 1), ("B", 1)])
    f.receive(db, shop, "A", 500, "WH1")
    f.receive(db, shop, "B", 500, "WH1")
    of.channel(db, shop, "web", ["WH1"])
    of.listing(db, shop, "web", "AB")

    def drain(sku: str) -> None:
        for _ in range(15):
            f.move(db, shop, "adjust", sku, "WH1", -1, reason="concurrency")

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(drain, ["A", "B"]))
    assert of.stored(db, shop) == {("web", "AB"): 485}
    assert offers.quantities(db, shop, "web", "AB")[0].quantity == 485


def test_a_bundle_recomputed_while_another_movement_holds_it_waits_and_reads_that_movements_stock(
    db: Database, shop: Scope
) -> None:
    """One movement of A is recomputing bundle AB, uncommitted, while a movement of B starts: B's recompute
    must wait for A's commit and then read A's stock. Had it computed AB from what it saw before (A at 500),
    it would store 400 after A's 200."""
    f.variant(db, shop, "A")
    f.variant(db, shop, "B")
    f.variant(db, shop, "AB", components=[("A", 1), ("B", 1)])
    f.receive(db, shop, "A", 500, "WH1")
    f.receive(db, shop, "B", 500, "WH1")
    of.channel(db, shop, "web", ["WH1"])
    of.listing(db, shop, "web", "AB")
    recomputed, release = threading.Event(), threading.Event()

    def hold_a() -> None:
        with db.write() as conn:
            record_movement(conn, shop, commands.PostMovement("adjust", "A", "WH1", -300, reason="held"))
            recomputed.set()
            assert release.wait(30)

    with ThreadPoolExecutor(2) as pool:
        holding = pool.submit(hold_a)
        assert recomputed.wait(30)
        moving_b = pool.submit(f.move, db, shop, "adjust", "B", "WH1", -100, reason="meanwhile")
        if not db.is_sqlite:  # SQLite: B's transaction cannot begin before A's commits
            assert waiting_on_a_lock(db), "B's recompute did not wait for A's transaction"
        release.set()
        holding.result()
        moving_b.result()
    assert of.stored(db, shop) == {("web", "AB"): 200}


def waiting_on_a_lock(db: Database) -> bool:
    """Whether another connection to this PostgreSQL database comes to wait on a lock (polled for up to 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.read() as conn:
            if conn.execute(_WAITING).scalar_one():
                return True
        threading.Event().wait(0.02)  # a poll's pause: the outcome does not depend on it
    return False


_WAITING = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")


def test_a_rules_sheet_sets_and_clears_in_one_go_and_recomputes_the_listings(
    db: Database, bottles: Scope, tmp_path: Path
) -> None:
    sheet = tmp_path / "rules.csv"
    sheet.write_text(
        "sku,kind,quantity,percent,location,reserve,cap\n"
        "BOTTLE,,,,,,\n"  # back to the pool: 200
        "BOTTLE2,percent,,50,WH1,,20\n"  # 50% of WH1's 60, at most 20
        "OTHER,stop_sell,,,,,\n",
        encoding="utf-8",
    )
    done = import_rules(db, bottles, "web", sheet)
    assert (done.rows, done.set, done.cleared) == (3, 2, 1)
    web = {k[1]: q for k, q in of.stored(db, bottles).items() if k[0] == "web"}
    assert (web["BOTTLE"], web["BOTTLE-10"], web["BOTTLE2"], web["BOTTLE2-10"], web["OTHER"]) == (200, 20, 20, 3, 0)
    amazon = {k[1]: q for k, q in of.stored(db, bottles).items() if k[0] == "amazon"}
    assert (amazon["BOTTLE"], amazon["BOTTLE2"], amazon["OTHER"]) == (160, 10, 5)  # another channel's rules stay
