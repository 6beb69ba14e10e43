"""Migration 0038 drops the six foreign keys of ``offers`` and ``push_queue`` (verify's orphan audit
stands in for them) and, on PostgreSQL, leaves half of each of their pages free for the next versions
of their rows; it keeps the data and round-trips."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, text

from tests import factories as f
from tests import offer_factories as of
from tests.integration.test_hot_path_keys import foreign_keys
from truecount.adapters.db.engine import Database
from truecount.adapters.db.migrate import downgrade, upgrade
from truecount.adapters.db.tables.offers import offers
from truecount.adapters.db.tables.sync import push_queue
from truecount.services.catalog.records import ensure_merchant
from truecount.services.common.lookups import variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.orphans import Orphan
from truecount.services.stock.verify import verify

OFFER_KEYS = {
    ("offers", "fk_offers_merchant_id_merchants"),
    ("offers", "fk_offers_channel_id_channels"),
    ("offers", "fk_offers_variant_id_variants"),
    ("offers", "fk_offers_listing_id_listings"),
    ("push_queue", "fk_push_queue_merchant_id_merchants"),
    ("push_queue", "fk_push_queue_channel_id_channels"),
}
KEPT = {
    ("listings", "fk_listings_variant_id_variants"),
    ("listing_sync", "fk_listing_sync_channel_id_channels"),
    ("channel_rules", "fk_channel_rules_variant_id_variants"),
}


def _counts(db: Database, merchant_id: int) -> tuple[int, int]:
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).where(offers.c.merchant_id == merchant_id)).scalar_one(),
            conn.execute(select(func.count()).where(push_queue.c.merchant_id == merchant_id)).scalar_one(),
        )


def _fillfactors(db: Database) -> dict[str, str | None]:
    """The tables' ``fillfactor`` storage parameter (None: PostgreSQL's default, 100)."""
    with db.read() as conn:
        rows = conn.execute(
            text("SELECT relname, reloptions FROM pg_class WHERE relname IN ('offers', 'push_queue')")
        ).all()
    found: dict[str, str | None] = {}
    for name, options in rows:
        given = dict(str(o).split("=", 1) for o in options or [])
        found[str(name)] = given.get("fillfactor")
    return found


def test_0038_drops_the_offer_keys_keeps_the_rest_and_the_data_and_round_trips(blank_db: Database) -> None:
    upgrade(blank_db)
    with blank_db.write() as conn:
        scope = Scope(ensure_merchant(conn, "shop", "shop"), "test", 1_000_000_000)
    f.location(blank_db, scope, "WH1")
    f.variant(blank_db, scope, "TEE")
    of.channel(blank_db, scope, "web", ["WH1"])
    of.listing(blank_db, scope, "web", "TEE")
    f.receive(blank_db, scope, "TEE", 3, "WH1")  # an offer and a queued push
    counts = _counts(blank_db, scope.merchant_id)
    assert counts == (1, 1)

    downgrade(blank_db, "0037")
    before = foreign_keys(blank_db)
    assert before >= OFFER_KEYS | KEPT
    if not blank_db.is_sqlite:
        assert _fillfactors(blank_db) == {"offers": None, "push_queue": None}
    assert _counts(blank_db, scope.merchant_id) == counts

    upgrade(blank_db, "0038")
    assert foreign_keys(blank_db) == before - OFFER_KEYS
    if not blank_db.is_sqlite:
        assert _fillfactors(blank_db) == {"offers": "50", "push_queue": "50"}
    assert _counts(blank_db, scope.merchant_id) == counts

    downgrade(blank_db, "0037")
    assert foreign_keys(blank_db) == before
    upgrade(blank_db)
    assert foreign_keys(blank_db) == before - OFFER_KEYS
    assert _counts(blank_db, scope.merchant_id) == counts
    assert verify(blank_db, scope) == []
    f.receive(blank_db, scope, "TEE", 2, "WH1")  # the rebuilt tables still take new figures
    assert of.stored(blank_db, scope) == {("web", "TEE"): 5}
    assert verify(blank_db, scope) == []


def test_verify_names_offers_and_queued_pushes_whose_listing_channel_or_variant_is_missing(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH1")
    f.variant(db, scope, "TEE")
    of.channel(db, scope, "web", ["WH1"])
    listing = of.listing(db, scope, "web", "TEE")
    f.receive(db, scope, "TEE", 3, "WH1")
    assert verify(db, scope) == []
    m, at = scope.merchant_id, db_time(utcnow())
    with db.write() as conn:  # written behind the services' back: the database no longer refuses these
        tee = variant_id(conn, m, "TEE")
        channel = conn.execute(select(offers.c.channel_id).where(offers.c.listing_id == listing)).scalar_one()
        missing = 1 + max(tee, listing, channel) + 10_000_000
        offer = dict(merchant_id=m, quantity=1, explain="{}", changed_at=at)
        conn.execute(insert(offers).values(**offer, listing_id=missing, channel_id=channel, variant_id=tee))
        conn.execute(insert(offers).values(**offer, listing_id=missing + 1, channel_id=missing, variant_id=missing))
        queued = dict(merchant_id=m, quantity=1, version=1, queued_at=at, attempts=0, next_attempt_at=at)
        conn.execute(insert(push_queue).values(**queued, listing_id=listing + 1, channel_id=missing))
        conn.execute(insert(push_queue).values(**(queued | {"merchant_id": missing}), listing_id=1, channel_id=channel))
    try:
        assert verify(db, scope) == [
            Orphan("offers", "listing_id", missing, 1),
            Orphan("offers", "listing_id", missing + 1, 1),
            Orphan("offers", "channel_id", missing, 1),
            Orphan("offers", "variant_id", missing, 1),
            Orphan("push_queue", "channel_id", missing, 1),
            Orphan("push_queue", "merchant_id", missing, 1),
        ]
    finally:  # a row of no merchant is in every merchant's audit: leave none for the next test
        with db.write() as conn:
            conn.execute(delete(push_queue).where(push_queue.c.merchant_id == missing))
