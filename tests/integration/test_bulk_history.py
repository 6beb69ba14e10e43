"""Entries recorded set-based at their own moments and by their own people (a history replayed, as the
demo's month is), on both backends; the names such a loader resolves at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import movements
from truecount.services.common.lookups import inventory_type_id, location_tree, variant_ids
from truecount.services.common.scope import Scope
from truecount.services.stock.bulk import Entry, Meta, record_many
from truecount.services.stock.verify import verify


def test_an_entry_with_its_own_moment_and_actor_is_recorded_with_them_the_others_with_the_acts(
    db: Database, scope: Scope
) -> None:
    f.location(db, scope, "WH")
    f.variant(db, scope, "TEE", barcodes=["4000000000017"])
    m = scope.merchant_id
    with db.write() as conn:
        names, _ = location_tree(conn, m)
        vid, good = variant_ids(conn, m, ["TEE"])["TEE"], inventory_type_id(conn, m, "good")
        early, late, act = datetime(2026, 11, 6, 8, 0, 37), datetime(2026, 11, 6, 9, 15), datetime(2026, 11, 7)
        entries = [
            Entry("receive", vid, names["WH"], good, 10, "TEE", "WH", at=early, actor="user:maria"),
            Entry("count", vid, names["WH"], good, 7, "TEE", "WH", reference="COUNT-1", at=late, actor="user:tom"),
            Entry("receive", vid, names["WH"], good, 2, "TEE", "WH"),
        ]
        record_many(conn, Meta(m, act, "feed:file"), entries, {})
    with db.read() as conn:
        lines = conn.execute(
            select(movements.c.kind, movements.c.on_hand_delta, movements.c.at, movements.c.actor)
            .where(movements.c.merchant_id == m)
            .order_by(movements.c.id)
        ).all()
    assert [tuple(line) for line in lines] == [
        ("receive", 10, early, "user:maria"),
        ("count", -3, late, "user:tom"),
        ("receive", 2, act, "feed:file"),
    ]
    assert verify(db, scope) == []


def test_many_names_resolve_by_sku_then_barcode_and_an_unknown_one_is_left_out(db: Database, scope: Scope) -> None:
    f.variant(db, scope, "TEE", barcodes=["4000000000017"])
    f.variant(db, scope, "MUG")
    f.location(db, scope, "WH")
    f.location(db, scope, "WH-A", parent="WH")
    f.location(db, scope, "WH-A1", parent="WH-A")
    with db.read() as conn:
        found = variant_ids(conn, scope.merchant_id, ["MUG", "4000000000017", "NOPE", "MUG"])
        codes, bins = location_tree(conn, scope.merchant_id)
        ids = variant_ids(conn, scope.merchant_id, ["TEE"])
    assert found == {"MUG": found["MUG"], "4000000000017": ids["TEE"]} and found["MUG"] != ids["TEE"]
    assert sorted(code for _, code in bins[codes["WH"]]) == ["WH-A", "WH-A1"]
    assert bins[codes["WH-A"]] == [(codes["WH-A1"], "WH-A1")] and codes["WH-A1"] not in bins
