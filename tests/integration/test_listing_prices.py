"""A price per listing by rule — fixed, cost plus margin (the cheapest supplier item's cost), stock-level
tiers, an MSRP/MAP floor — stored with the offer, explained, queued for push when it changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import push_queue
from truecount.domain.commands import EditVariant, ListingChange
from truecount.domain.errors import InvalidInput
from truecount.domain.pricing import PriceRule, Tier, parse_price_rule, price
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.catalog import products
from truecount.services.common.scope import Scope
from truecount.services.offers import listing_terms, listings
from truecount.services.suppliers import records as suppliers


@pytest.fixture
def shop(db: Database, scope: Scope) -> Scope:
    f.location(db, scope, "WH1")
    f.location(db, scope, "DS1", kind="dropship")
    f.location(db, scope, "DS2", kind="dropship")
    f.variant(db, scope, "TEE")
    f.receive(db, scope, "TEE", 8, "WH1")
    suppliers.add_supplier(db, scope, AddSupplier("ACME", "Acme", "po@acme.test", "DS1"))
    suppliers.add_supplier(db, scope, AddSupplier("BETA", "Beta", "po@beta.test", "DS2"))
    suppliers.set_supplier_item(db, scope, SetSupplierItem("ACME", "TEE", "9.00"))
    suppliers.set_supplier_item(db, scope, SetSupplierItem("BETA", "TEE", "7.50"))
    of.channel(db, scope, "woo", ["WH1"], kind="woocommerce")
    return scope


def priced(db: Database, scope: Scope, ref: str, *rule: str) -> listings.ListingRow:
    change = ListingChange(price=list(rule))
    return listing_terms.change_listing(db, scope, "woo", ref, change)


def queued_count(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        return len(
            conn.execute(select(push_queue.c.listing_id).where(push_queue.c.merchant_id == scope.merchant_id)).all()
        )


def test_the_price_rules_in_their_order_on_the_domain() -> None:
    rule = parse_price_rule(["cost+40%", "tier=5:+10%", "tier=2:+20%", "floor=24.99"])
    assert rule == PriceRule(None, Decimal(40), Decimal("24.99"), (Tier(2, Decimal(20)), Tier(5, Decimal(10))))
    assert price(rule, cost=Decimal("20"), offered=9).price == Decimal("28.00")
    assert price(rule, cost=Decimal("20"), offered=4).price == Decimal("30.80")  # +10 %
    assert price(rule, cost=Decimal("20"), offered=1).price == Decimal("33.60")  # the tighter tier, +20 %
    assert price(rule, cost=Decimal("10"), offered=9).price == Decimal("24.99")  # 14.00 under the floor
    assert price(rule, cost=Decimal("10"), offered=9, units_per_sale=6).price == Decimal("84.00")
    assert price(rule, cost=None, offered=9).price is None
    assert price(parse_price_rule(["fixed=19.99", "tier=5:-10%"]), cost=None, offered=3).price == Decimal("17.99")


def test_two_listings_of_one_variant_get_their_own_prices_explained_and_a_price_change_is_queued(
    db: Database, shop: Scope
) -> None:
    of.listing(db, shop, "woo", "TEE", "10")
    listings.add_listing(db, shop, "woo", "TEE", "11", units_per_sale=2)
    single = priced(db, shop, "10", "fixed=19.99", "tier=5:+10%")
    pack = priced(db, shop, "11", "cost+40%", "floor=24.99")
    assert (single.price, single.price_rule) == ("19.99", "fixed=19.99 tier=5:+10%")
    assert (pack.quantity, pack.price) == (4, "24.99")  # 7.50 × 2 × 1.40 = 21.00, under the floor
    assert pack.explain is not None
    assert [s["step"] for s in pack.explain["price"]["steps"]] == ["cost 7.50 × 2 units plus 40%", "floor 24.99"]
    assert queued_count(db, shop) == 2
    f.move(db, shop, "adjust", "TEE", "WH1", -4, reason="damaged")  # 4 left: fewer than 5
    by_ref = {r.external_ref: r for r in listings.list_listings(db, shop, "woo")}
    assert (by_ref["10"].quantity, by_ref["10"].price) == (4, "21.99")  # 19.99 + 10 %
    assert (by_ref["11"].quantity, by_ref["11"].price) == (2, "24.99")


def test_a_cost_plus_price_without_a_known_cost_is_none_and_bad_rules_are_refused_naming_the_part(
    db: Database, shop: Scope
) -> None:
    f.variant(db, shop, "MUG")
    f.receive(db, shop, "MUG", 3, "WH1")
    of.listing(db, shop, "woo", "MUG", "20")
    assert priced(db, shop, "20", "cost+40%").price is None
    for rule, field in (
        (["cost+abc%"], "price.cost_plus_percent"),
        (["fixed=1.999"], "price.fixed"),
        (["fixed=5", "cost+10%"], "price"),
        (["tier=0:+5%", "fixed=5"], "price.tiers[0].below"),
        (["discount=5"], "price"),
    ):
        with pytest.raises(InvalidInput) as refused:
            priced(db, shop, "20", *rule)
        assert refused.value.field == field, rule
    assert listings.list_listings(db, shop, "woo", "20")[0].price_rule == "cost+40%"


def test_cost_plus_uses_the_variant_s_own_unit_cost_when_set_else_the_cheapest_supplier_s(
    db: Database, shop: Scope
) -> None:
    of.listing(db, shop, "woo", "TEE", "10")
    assert priced(db, shop, "10", "cost+40%").price == "10.50"  # BETA's 7.50 × 1.40
    products.edit_variant(db, shop, EditVariant(sku="TEE", unit_cost="5.00"))
    (own,) = listings.list_listings(db, shop, "woo")
    assert own.price == "7.00"  # its own 5.00 × 1.40, the suppliers' quotes aside
    assert own.explain is not None and own.explain["price"]["steps"][0]["step"] == "cost 5.00 plus 40%"
    products.edit_variant(db, shop, EditVariant(sku="TEE", unit_cost="unset"))
    assert listings.list_listings(db, shop, "woo")[0].price == "10.50"
