"""``bulk.insert_many``: what goes in comes back out, whatever mix of repeated and varying values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from tests import factories as f
from truecount.adapters.db.bulk import insert_many
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import movements
from truecount.services.common.lookups import inventory_type_id, location_id, variant_id
from truecount.services.common.scope import Scope

COLUMNS = ("variant_id", "location_id", "on_hand_delta", "booked_delta", "reason", "reference", "at", "actor")


def _row(scope: Scope, vid: int, loc: int, type_id: int, **values: Any) -> dict[str, Any]:
    base = {"merchant_id": scope.merchant_id, "variant_id": vid, "location_id": loc, "inventory_type_id": type_id,
            "at": datetime(2026, 1, 2, 3, 4, 5), "actor": "bulk", "kind": "receive", "lot": "", "on_hand_delta": 1,
            "booked_delta": 0, "counted": None, "reason": None, "reference": None, "idempotency_key": None,
            "order_line_id": None}  # fmt: skip
    return {**base, **values}


def _stored(db: Database, scope: Scope) -> list[tuple[Any, ...]]:
    c = movements.c
    with db.read() as conn:
        rows = conn.execute(
            select(*(c[name] for name in COLUMNS)).where(c.merchant_id == scope.merchant_id, c.actor == "bulk")
        ).all()
    return sorted(tuple(r) for r in rows)


def _ids(db: Database, scope: Scope) -> tuple[int, int, int, int]:
    f.variant(db, scope, "A")
    f.variant(db, scope, "B")
    f.location(db, scope, "WH1")
    m = scope.merchant_id
    with db.read() as conn:
        return (variant_id(conn, m, "A"), variant_id(conn, m, "B"), location_id(conn, m, "WH1"),
                inventory_type_id(conn, m, "good"))  # fmt: skip


def _expected(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(tuple(row[name] for name in COLUMNS) for row in rows)


def test_repeated_and_varying_values_are_stored_row_by_row(db: Database, scope: Scope) -> None:
    a, b, loc, good = _ids(db, scope)
    rows = [
        _row(scope, a, loc, good, on_hand_delta=5, reference="x"),
        _row(scope, b, loc, good, on_hand_delta=5, reason="a reason", reference='it\'s "quoted", {braced}'),
        _row(scope, a, loc, good, on_hand_delta=-2, reference=None),
    ]
    with db.write() as conn:
        returned = insert_many(conn, movements, rows, returning=("variant_id", "on_hand_delta"))
    assert sorted(returned) == sorted((row["variant_id"], row["on_hand_delta"]) for row in rows)
    assert _stored(db, scope) == _expected(rows)


def test_one_row_and_rows_all_alike(db: Database, scope: Scope) -> None:
    a, _, loc, good = _ids(db, scope)
    one = [_row(scope, a, loc, good, on_hand_delta=7, reason="only")]
    alike = [_row(scope, a, loc, good, on_hand_delta=3)] * 4
    with db.write() as conn:
        assert len(insert_many(conn, movements, one, returning=("id",))) == 1
        assert len(insert_many(conn, movements, alike, returning=("id",))) == 4
    assert _stored(db, scope) == _expected(one + alike)


def test_nothing_to_insert_writes_nothing(db: Database, scope: Scope) -> None:
    with db.write() as conn:
        assert insert_many(conn, movements, [], returning=("id",)) == []
    assert _stored(db, scope) == []
