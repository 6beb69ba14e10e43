"""Migration 0024 (several listings per variant, offers keyed by listing) keeps every existing listing
and its stored offer working unchanged, and round-trips."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import downgrade, upgrade
from truecount.adapters.db.tables.offers import offers
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common.scope import Scope
from truecount.services.offers import listings


def stored_offers(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(offers)).scalar_one())


def test_0024_keeps_existing_listings_and_their_offers_and_round_trips(blank_db: Database) -> None:
    upgrade(blank_db)
    with blank_db.write() as conn:
        scope = Scope(ensure_merchant(conn, "shop", "shop"), "test", 1_000_000_000)
    f.location(blank_db, scope, "WH1")
    f.variant(blank_db, scope, "TEE")
    f.receive(blank_db, scope, "TEE", 12, "WH1")
    of.channel(blank_db, scope, "web", ["WH1"])
    of.listing(blank_db, scope, "web", "TEE", "TEE-WEB")

    downgrade(blank_db, "0023")  # the schema before, holding a listing written today
    assert stored_offers(blank_db) == 1
    upgrade(blank_db)

    [row] = listings.list_listings(blank_db, scope, "web")
    assert (row.external_ref, row.units_per_sale, row.steps, row.quantity) == ("TEE-WEB", 1, None, 12)
    f.receive(blank_db, scope, "TEE", 3, "WH1")
    listings.add_listing(blank_db, scope, "web", "TEE", "TEE-3PK", units_per_sale=3)
    assert {r.external_ref: r.quantity for r in listings.list_listings(blank_db, scope, "web")} == {
        "TEE-WEB": 15,
        "TEE-3PK": 5,
    }
