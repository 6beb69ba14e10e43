"""Several listings of one variant on one channel, each with its own reference, units per sale and quantity
rule (ordered steps); an order for a multi-pack takes its units; bad input is refused naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.channels.base import ChannelOrder, OrderLine
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.offers import listings as listings_table
from truecount.adapters.db.tables.sync import push_queue
from truecount.domain.commands import ListingChange
from truecount.domain.errors import IdempotencyConflict, InvalidInput, NotFound
from truecount.services.channels.setup import Channel, load_channel
from truecount.services.common.scope import Scope
from truecount.services.offers import listing_terms, listings
from truecount.services.stock.levels import stock
from truecount.services.sync.ingest import apply_orders


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "DS1", kind="dropship")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 40, "WH1")
    f.receive(db, scope, "TEE", 50, "DS1")
    of.channel(db, scope, "amz", ["WH1", "DS1"], kind="amazon")
    return scope


def offered(db: Database, scope: Scope, channel: str = "amz") -> dict[str, int | None]:
    return {row.external_ref: row.quantity for row in listings.list_listings(db, scope, channel)}


def queued(db: Database, scope: Scope) -> dict[str, int]:
    with db.read() as conn:
        rows = conn.execute(
            select(listings_table.c.external_ref, push_queue.c.quantity)
            .join(listings_table, listings_table.c.id == push_queue.c.listing_id)
            .where(push_queue.c.merchant_id == scope.merchant_id)
        )
        return {str(ref): int(q) for ref, q in rows}


def change(db: Database, scope: Scope, ref: str, *steps: str, units: int | None = None) -> listings.ListingRow:
    return listing_terms.change_listing(db, scope, "amz", ref, ListingChange(units, list(steps) if steps else None))


def test_two_listings_of_one_variant_offer_by_their_own_steps_and_both_are_queued(db: Database, shop: Scope) -> None:
    of.listing(db, shop, "amz", "TEE", {"seller_sku": "TEE-A"})
    of.listing(db, shop, "amz", "TEE", {"seller_sku": "TEE-B"})
    assert offered(db, shop) == {"TEE-A": 90, "TEE-B": 90}
    change(db, shop, "TEE-A", "cap=10")
    change(db, shop, "TEE-B", "percent=30@DS1", "reserve=5", "cap=20")
    assert offered(db, shop) == {"TEE-A": 10, "TEE-B": 10}  # 30% of 50 = 15, minus 5 = 10, at most 20
    assert queued(db, shop) == {"TEE-A": 10, "TEE-B": 10}
    f.receive(db, shop, "TEE", 50, "DS1")  # DS1 has 100: 30 → 25 → 20
    assert offered(db, shop) == {"TEE-A": 10, "TEE-B": 20}
    assert queued(db, shop)["TEE-B"] == 20


def test_steps_run_in_the_order_given_and_the_explanation_shows_each_input_and_output(
    db: Database, shop: Scope
) -> None:
    of.listing(db, shop, "amz", "TEE", {"seller_sku": "TEE-A"})
    row = change(db, shop, "TEE-A", "cap=20", "reserve=5")  # 90 → 20 → 15
    assert row.quantity == 15
    assert row.steps == ["cap=20", "reserve=5"]
    assert row.explain is not None
    assert [(s["step"], s.get("input"), s["quantity"]) for s in row.explain["steps"]] == [
        ("pool", None, 90),
        ("at most 20", 90, 20),
        ("minus reserve 5, not below 0", 20, 15),
    ]
    assert change(db, shop, "TEE-A", "reserve=5", "cap=20").quantity == 20  # 90 → 85 → 20
    other = change(db, shop, "TEE-A", "base=DS1", "zero_below=60", "min=3", "round=2")  # 50 → 0 → 3 → 2
    assert other.quantity == 2
    cleared = listing_terms.change_listing(db, shop, "amz", "TEE-A", ListingChange(clear_steps=True))
    assert (cleared.steps, cleared.quantity) == (None, 90)


def test_a_multi_pack_offers_whole_packs_and_an_order_for_it_books_its_units(db: Database, shop: Scope) -> None:
    of.listing(db, shop, "amz", "TEE", {"seller_sku": "TEE"})
    pack = listings.add_listing(db, shop, "amz", "TEE", {"seller_sku": "TEE-6PK"}, units_per_sale=6)
    assert (pack.quantity, pack.units_per_sale) == (15, 6)  # 90 // 6
    channel = load_channel_of(db, shop, "amz")
    event = ChannelOrder(
        "A-1", "created", "ev-1", [OrderLine("TEE-6PK", 2, ref="TEE-6PK"), OrderLine("TEE", 1, ref="TEE")]
    )
    assert apply_orders(db, shop, channel, [event]) == 1
    assert sum(row.booked for row in stock(db, shop, "TEE")) == 13  # 2 packs of 6 and 1 single
    assert offered(db, shop) == {"TEE": 77, "TEE-6PK": 12}


def load_channel_of(db: Database, scope: Scope, code: str) -> Channel:
    with db.read() as conn:
        return load_channel(conn, scope.merchant_id, code)


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        (["cap=abc"], "steps[0].value"),
        (["cap=5", "percent=150"], "steps[1].value"),
        (["cap=5", "percent=30@NOWHERE"], "steps[1].location"),
        (["double=2"], "steps[0].op"),
        (["base"], "steps[0].location"),
        (["round=0"], "steps[0].value"),
    ],
)
def test_a_bad_step_is_refused_naming_it_and_nothing_changes(
    db: Database, shop: Scope, steps: list[str], field: str
) -> None:
    of.listing(db, shop, "amz", "TEE", {"seller_sku": "TEE-A"})
    change(db, shop, "TEE-A", "cap=10")
    with pytest.raises((InvalidInput, NotFound)) as refused:
        change(db, shop, "TEE-A", *steps)
    assert refused.value.field == field
    assert listings.list_listings(db, shop, "amz", "TEE-A")[0].steps == ["cap=10"]
    assert offered(db, shop) == {"TEE-A": 10}


def test_bad_units_per_sale_and_an_unknown_listing_are_refused_and_nothing_is_written(
    db: Database, shop: Scope
) -> None:
    for units in (0, 10_001):
        with pytest.raises(InvalidInput) as refused:
            listings.add_listing(db, shop, "amz", "TEE", {"seller_sku": "TEE-X"}, units_per_sale=units)
        assert refused.value.field == "units_per_sale"
    assert listings.list_listings(db, shop, "amz") == []
    with pytest.raises(NotFound) as unknown:
        change(db, shop, "NOPE", "cap=1")
    assert unknown.value.field == "ref"


def test_a_listing_change_with_a_key_is_made_once_and_the_key_refuses_another_change(db: Database, shop: Scope) -> None:
    of.listing(db, shop, "amz", "TEE", {"seller_sku": "TEE-A"})
    capped = ListingChange(steps=["cap=10"])
    assert listing_terms.change_listing(db, shop, "amz", "TEE-A", capped, key="k-1").quantity == 10
    change(db, shop, "TEE-A", "cap=30")  # changed since, without a key
    assert listing_terms.change_listing(db, shop, "amz", "TEE-A", capped, key="k-1").quantity == 30  # not again
    with pytest.raises(IdempotencyConflict):
        listing_terms.change_listing(db, shop, "amz", "TEE-A", ListingChange(units_per_sale=2), key="k-1")
