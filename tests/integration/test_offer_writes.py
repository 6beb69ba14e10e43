"""How a recompute writes, on SQLite and PostgreSQL: the changed offers and their pushes in one write
(one statement on PostgreSQL), each explanation as computed, queued rows bumped and new rows continuing
from the last pushed version, prices with and without a rule in one write, and timestamps as stored."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import Connection, func, insert, select, text, update

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.bulk import driver_time
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.offers import listings, offers
from truecount.adapters.db.tables.sync import listing_sync, push_queue
from truecount.domain.commands import ListingChange
from truecount.services.common.scope import Scope
from truecount.services.offers import listing_terms
from truecount.services.offers import recompute as offer_recompute
from truecount.services.sync.push_queue import queue_listing_pushes

BUNDLES = 6
CHANNELS = ("web", "ebay", "amazon")


@pytest.fixture
def packs(db: Database, scope: Scope) -> Scope:
    """COMP in six bundles, each with a part of its own; COMP and every bundle listed on three alike channels."""
    f.location(db, scope, "WH1")
    f.variant(db, scope, "COMP")
    f.receive(db, scope, "COMP", 40, "WH1")
    for i in range(BUNDLES):
        f.variant(db, scope, f"PART-{i}")
        f.receive(db, scope, f"PART-{i}", 200 + i, "WH1")  # every pack is limited by COMP
        f.variant(db, scope, f"PACK-{i}", components=[("COMP", 1), (f"PART-{i}", 2)])
    for code in CHANNELS:
        of.channel(db, scope, code, ["WH1"])
        for sku in ["COMP"] + [f"PACK-{i}" for i in range(BUNDLES)]:
            of.listing(db, scope, code, sku)
    return scope


def explained(db: Database, scope: Scope) -> dict[int, tuple[int, dict[str, object], str | None]]:
    """Every stored offer by listing: quantity, explanation (parsed), price as text."""
    with db.read() as conn:
        rows = conn.execute(
            select(offers.c.listing_id, offers.c.quantity, offers.c.explain, offers.c.price).where(
                offers.c.merchant_id == scope.merchant_id
            )
        )
        return {int(lid): (int(q), json.loads(ex), None if p is None else f"{p:.2f}") for lid, q, ex, p in rows}


def queue_rows(db: Database, scope: Scope) -> dict[int, tuple[int, int]]:
    with db.read() as conn:
        rows = conn.execute(
            select(push_queue.c.listing_id, push_queue.c.quantity, push_queue.c.version).where(
                push_queue.c.merchant_id == scope.merchant_id
            )
        )
        return {int(lid): (int(q), int(v)) for lid, q, v in rows}


def listing_ids(db: Database, scope: Scope) -> dict[tuple[str, int], int]:
    """(channel code, variant id) → listing id."""
    with db.read() as conn:
        rows = conn.execute(
            select(channels.c.code, listings.c.variant_id, listings.c.id)
            .join(channels, channels.c.id == listings.c.channel_id)
            .where(listings.c.merchant_id == scope.merchant_id)
        )
        return {(str(c), int(v)): int(lid) for c, v, lid in rows}


def test_a_component_change_writes_every_bundle_offer_as_computed_and_queues_each_once(
    db: Database, packs: Scope
) -> None:
    before = queue_rows(db, packs)
    assert len(before) == len(CHANNELS) * (BUNDLES + 1)  # linking queued every first offer
    f.move(db, packs, "adjust", "COMP", "WH1", -35, reason="damaged")  # 5 left: every pack limited by COMP
    stored = explained(db, packs)
    for code in CHANNELS:
        for found in offer_recompute.quantities(db, packs, code):
            if found.listing is None:
                continue  # the parts are not listed
            quantity, explain, price = stored[found.listing.id]
            assert (quantity, price) == (found.quantity, None)
            # the text as computed (an offer whose figure did not change keeps the reason of its last change)
            assert explain == json.loads(json.dumps(found.explain, default=str))
    assert {q for q, _, _ in stored.values()} == {5}
    after = queue_rows(db, packs)
    # every listing's row was there: bumped once, to the new figure, none added
    assert after == {lid: (5, version + 1) for lid, (_, version) in before.items()}


def test_a_write_with_nothing_changed_writes_nothing(db: Database, packs: Scope) -> None:
    stamps = of.changed_at(db, packs)
    queued = queue_rows(db, packs)
    with db.write() as conn:
        affected = offer_recompute.affected_listings(conn, packs.merchant_id, {_variant(db, packs, "COMP")})
        changed = offer_recompute.recompute_listings(conn, packs.merchant_id, affected)
    assert len(affected) == len(CHANNELS) * (BUNDLES + 1) and changed == 0
    assert of.changed_at(db, packs) == stamps and queue_rows(db, packs) == queued


def test_pushed_listings_are_queued_again_after_their_last_pushed_version(db: Database, packs: Scope) -> None:
    ids = listing_ids(db, packs)
    comp = _variant(db, packs, "COMP")
    web_comp, ebay_comp = ids[("web", comp)], ids[("ebay", comp)]
    with db.write() as conn:  # web's COMP offer was pushed as version 7 and its queue row completed
        conn.execute(
            insert(listing_sync).values(
                merchant_id=packs.merchant_id,
                listing_id=web_comp,
                channel_id=_channel(conn, packs, "web"),
                pushed_quantity=40,
                pushed_version=7,
            )
        )
        conn.execute(
            push_queue.delete().where(
                push_queue.c.merchant_id == packs.merchant_id, push_queue.c.listing_id == web_comp
            )
        )
    queued = queue_rows(db, packs)
    f.move(db, packs, "adjust", "COMP", "WH1", -1, reason="damaged")
    after = queue_rows(db, packs)
    assert after[web_comp] == (39, 8)  # a new row continues after the pushed version
    assert after[ebay_comp] == (39, queued[ebay_comp][1] + 1)  # a queued row is bumped


@pytest.mark.parametrize("how", ["the offers' write", "queue_listing_pushes"])
def test_queueing_bumps_rows_queued_and_starts_new_ones_after_the_pushed_version(
    db: Database, packs: Scope, how: str
) -> None:
    ids = sorted(listing_ids(db, packs).items())
    (_, queued_id), (_, pushed_id), (_, fresh_id) = ids[0], ids[1], ids[2]
    with db.write() as conn:
        web = _channel(conn, packs, "web")
        conn.execute(
            push_queue.delete().where(
                push_queue.c.merchant_id == packs.merchant_id, push_queue.c.listing_id.in_([pushed_id, fresh_id])
            )
        )
        conn.execute(
            insert(listing_sync).values(
                merchant_id=packs.merchant_id,
                listing_id=pushed_id,
                channel_id=web,
                pushed_quantity=3,
                pushed_version=12,
            )
        )
    before = queue_rows(db, packs)[queued_id][1]
    with db.write() as conn:
        if how == "queue_listing_pushes":
            queue_listing_pushes(
                conn, packs.merchant_id, [(queued_id, web, 21), (pushed_id, web, 22), (fresh_id, web, 23)]
            )
        else:  # through the recompute's write: change the stored figures so all three differ from the computed
            conn.execute(
                update(offers)
                .where(
                    offers.c.merchant_id == packs.merchant_id, offers.c.listing_id.in_([queued_id, pushed_id, fresh_id])
                )
                .values(quantity=999)
            )
            listed = {
                lid: key for key, lid in listing_ids(db, packs).items() if lid in (queued_id, pushed_id, fresh_id)
            }
            assert offer_recompute.recompute_listings(conn, packs.merchant_id, _as_listed(conn, packs, listed)) == 3
    after = queue_rows(db, packs)
    assert after[queued_id][1] == before + 1
    assert after[pushed_id][1] == 13
    assert after[fresh_id][1] == 1
    if how == "queue_listing_pushes":
        assert (after[queued_id][0], after[pushed_id][0], after[fresh_id][0]) == (21, 22, 23)


def test_priced_and_unpriced_listings_in_one_write_keep_their_prices(db: Database, packs: Scope) -> None:
    listing_terms.change_listing(db, packs, "web", "web:PACK-0", ListingChange(price=["fixed=12.50"]))
    listing_terms.change_listing(db, packs, "ebay", "ebay:PACK-1", ListingChange(price=["fixed=7"]))
    f.move(db, packs, "adjust", "COMP", "WH1", -30, reason="damaged")  # every pack changes, priced or not
    ids = listing_ids(db, packs)
    stored = explained(db, packs)
    prices = {key: stored[lid][2] for key, lid in ids.items()}
    pack0, pack1 = _variant(db, packs, "PACK-0"), _variant(db, packs, "PACK-1")
    assert prices.pop(("web", pack0)) == "12.50" and prices.pop(("ebay", pack1)) == "7.00"
    assert set(prices.values()) == {None}
    assert stored[ids[("web", pack0)]][1]["price"]  # the priced explanation says how
    f.move(db, packs, "adjust", "COMP", "WH1", 1, reason="found")  # a write where no listing changing has a price
    assert explained(db, packs)[ids[("ebay", pack1)]][2] == "7.00"
    assert explained(db, packs)[ids[("web", _variant(db, packs, "COMP"))]][2] is None


def test_a_time_written_by_driver_sql_compares_as_sqlalchemy_writes_it(db: Database, packs: Scope) -> None:
    at = datetime(2026, 12, 6, 19, 30, 0)  # on the whole second: sqlite3's own adapter wrote "…19:30:00"
    with db.write() as conn:
        written = conn.execute(
            text("UPDATE offers SET changed_at = :at WHERE merchant_id = :m"),
            {"at": driver_time(conn, at), "m": packs.merchant_id},
        ).rowcount
        same = conn.execute(  # SQLAlchemy binds `at` itself here
            select(func.count()).where(offers.c.merchant_id == packs.merchant_id, offers.c.changed_at >= at)
        ).scalar_one()
        assert written == same == len(CHANNELS) * (BUNDLES + 1)
        assert conn.execute(select(offers.c.changed_at).where(offers.c.merchant_id == packs.merchant_id)).first() == (
            at,
        )


def _variant(db: Database, scope: Scope, sku: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                select(variants.c.id).where(variants.c.merchant_id == scope.merchant_id, variants.c.sku == sku)
            ).scalar_one()
        )


def _channel(conn: Connection, scope: Scope, code: str) -> int:
    return int(
        conn.execute(
            select(channels.c.id).where(channels.c.merchant_id == scope.merchant_id, channels.c.code == code)
        ).scalar_one()
    )


def _as_listed(conn: Connection, scope: Scope, by_id: dict[int, tuple[str, int]]) -> dict[int, tuple[int, int]]:
    return {lid: (_channel(conn, scope, code), vid) for lid, (code, vid) in by_id.items()}
