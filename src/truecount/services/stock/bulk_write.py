"""The writes of :func:`truecount.services.stock.bulk.record_many`: lots, ledger lines, level and lot
deltas, one statement each whatever the number of rows.

On PostgreSQL every statement takes its rows as arrays (``unnest``): one round trip, one plan. On
SQLite (in-process: nothing to save on round trips) each is one ``executemany`` of a plain statement
straight to the driver, without SQLAlchemy's per-row parameter processing (measured: half the CPU of
a 50,000-row import went there). Levels that exist get an ``UPDATE`` adding the delta; new ones an
``INSERT`` (an upsert adding to a row a concurrent writer created meanwhile), so the check
``on_hand >= 0`` is never tested on a bare negative delta.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from truecount.adapters.db.bulk import driver_time, insert_many
from truecount.adapters.db.packed import int8s, texts
from truecount.adapters.db.tables.catalog import lots
from truecount.adapters.db.tables.ledger import movements

LevelKey = tuple[int, int, int]  # variant, location, inventory type
#: kind, level, lot, delta, counted, reference, and the line's own moment and actor (None: the act's)
Line = tuple[str, LevelKey, str, int, int | None, str | None, datetime | None, str | None]


@dataclass(frozen=True)
class Writes:
    merchant_id: int
    at: datetime  # naive UTC
    actor: str

    def lots(self, conn: Connection, new: dict[tuple[int, str], date | None]) -> None:
        """Create the lots not known yet ((variant, code) → expiry date); known ones stay as they are."""
        rows = [
            {"merchant_id": self.merchant_id, "variant_id": v, "code": c, "expires_on": x} for (v, c), x in new.items()
        ]
        insert_many(conn, lots, rows, skip_conflicts=True)

    def movements(self, conn: Connection, lines: list[Line]) -> None:
        """Append the ledger lines, in order."""
        m, at, actor = self.merchant_id, self.at, self.actor
        if conn.dialect.name == "postgresql":
            rows = [
                {"merchant_id": m, "at": own_at or at, "actor": own_actor or actor, "kind": kind,
                 "variant_id": key[0], "location_id": key[1], "inventory_type_id": key[2], "lot": lot,
                 "on_hand_delta": delta, "booked_delta": 0, "counted": counted, "reference": reference}
                for kind, key, lot, delta, counted, reference, own_at, own_actor in lines
            ]  # fmt: skip
            insert_many(conn, movements, rows)
            return
        stamps = {when: driver_time(conn, when) for when in {at} | {line[6] for line in lines if line[6]}}
        conn.exec_driver_sql(
            _MOVEMENTS_SQLITE,
            [
                (m, stamps[own_at or at], own_actor or actor, kind, *key, lot, delta, counted, reference)
                for kind, key, lot, delta, counted, reference, own_at, own_actor in lines
            ],
        )

    def levels(self, conn: Connection, deltas: dict[LevelKey, int], existing: set[LevelKey]) -> None:
        """Add each level's delta (every touched level gets its row, a zero delta too, as one
        movement's ``apply_line`` does)."""
        m, at = self.merchant_id, self.at
        old = sorted(k for k in deltas if k in existing)
        new = sorted(k for k in deltas if k not in existing)
        if conn.dialect.name == "postgresql":
            for sql, keys in ((_LEVELS_ADD_PG, old), (_LEVELS_NEW_PG, new)):
                if keys:
                    conn.exec_driver_sql(
                        sql, {"m": m, "at": at, **_key_arrays(keys), "d": int8s([deltas[k] for k in keys])}
                    )
            return
        stamp = driver_time(conn, at)
        if old:
            conn.exec_driver_sql(_LEVELS_ADD_SQLITE, [(deltas[k], stamp, m, *k) for k in old])
        if new:
            conn.exec_driver_sql(_LEVELS_NEW_SQLITE, [(m, *k, deltas[k], stamp) for k in new])

    def lot_levels(
        self, conn: Connection, deltas: dict[tuple[LevelKey, str], int], existing: set[tuple[LevelKey, str]]
    ) -> None:
        """Add each moved lot's delta: an UPDATE of the lots that held stock, an upsert of the others
        (their delta is never negative: a line never takes more than a lot holds)."""
        m = self.merchant_id
        old = sorted(k for k in deltas if k in existing)
        new = sorted(k for k in deltas if k not in existing)
        if conn.dialect.name == "postgresql":
            for sql, keys in ((_LOTS_ADD_PG, old), (_LOTS_NEW_PG, new)):
                if keys:
                    arrays = _key_arrays([k for k, _ in keys])
                    lot_codes, d = texts([c for _, c in keys]), int8s([deltas[k] for k in keys])
                    conn.exec_driver_sql(sql, {"m": m, **arrays, "lot": lot_codes, "d": d})
            return
        if old:
            conn.exec_driver_sql(_LOTS_ADD_SQLITE, [(deltas[(k, c)], m, *k, c) for k, c in old])
        if new:
            conn.exec_driver_sql(_LOTS_NEW_SQLITE, [(m, *k, c, deltas[(k, c)]) for k, c in new])


def _key_arrays(keys: list[LevelKey]) -> dict[str, Any]:
    return {"v": int8s([k[0] for k in keys]), "l": int8s([k[1] for k in keys]), "t": int8s([k[2] for k in keys])}


_MOVEMENTS_SQLITE = """
INSERT INTO movements (merchant_id, at, actor, kind, variant_id, location_id, inventory_type_id, lot,
                       on_hand_delta, booked_delta, counted, reference)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
"""
_LEVELS_ADD_SQLITE = """
UPDATE stock_levels SET on_hand = on_hand + ?, updated_at = ?
WHERE merchant_id = ? AND variant_id = ? AND location_id = ? AND inventory_type_id = ?
"""
_LEVELS_NEW_SQLITE = """
INSERT INTO stock_levels (merchant_id, variant_id, location_id, inventory_type_id, on_hand, booked, updated_at)
VALUES (?, ?, ?, ?, ?, 0, ?)
ON CONFLICT (merchant_id, variant_id, location_id, inventory_type_id)
DO UPDATE SET on_hand = stock_levels.on_hand + excluded.on_hand, updated_at = excluded.updated_at
"""
_LOTS_ADD_SQLITE = """
UPDATE lot_levels SET on_hand = on_hand + ?
WHERE merchant_id = ? AND variant_id = ? AND location_id = ? AND inventory_type_id = ? AND lot = ?
"""
_LOTS_NEW_SQLITE = """
INSERT INTO lot_levels (merchant_id, variant_id, location_id, inventory_type_id, lot, on_hand)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (merchant_id, variant_id, location_id, inventory_type_id, lot)
DO UPDATE SET on_hand = lot_levels.on_hand + excluded.on_hand
"""
_LEVELS_ADD_PG = """
UPDATE stock_levels s SET on_hand = s.on_hand + u.d, updated_at = %(at)s
FROM unnest(%(v)b::bigint[], %(l)b::bigint[], %(t)b::bigint[], %(d)b::bigint[]) AS u(v, l, t, d)
WHERE s.merchant_id = %(m)s AND s.variant_id = u.v AND s.location_id = u.l AND s.inventory_type_id = u.t
"""
_LEVELS_NEW_PG = """
INSERT INTO stock_levels (merchant_id, variant_id, location_id, inventory_type_id, on_hand, booked, updated_at)
SELECT %(m)s, u.v, u.l, u.t, u.d, 0, %(at)s
FROM unnest(%(v)b::bigint[], %(l)b::bigint[], %(t)b::bigint[], %(d)b::bigint[]) AS u(v, l, t, d)
ORDER BY u.v, u.l, u.t
ON CONFLICT (merchant_id, variant_id, location_id, inventory_type_id)
DO UPDATE SET on_hand = stock_levels.on_hand + excluded.on_hand, updated_at = excluded.updated_at
"""
_LOTS_ADD_PG = """
UPDATE lot_levels s SET on_hand = s.on_hand + u.d
FROM unnest(%(v)b::bigint[], %(l)b::bigint[], %(t)b::bigint[], %(lot)b::text[], %(d)b::bigint[])
     AS u(v, l, t, lot, d)
WHERE s.merchant_id = %(m)s AND s.variant_id = u.v AND s.location_id = u.l AND s.inventory_type_id = u.t
  AND s.lot = u.lot
"""
_LOTS_NEW_PG = """
INSERT INTO lot_levels (merchant_id, variant_id, location_id, inventory_type_id, lot, on_hand)
SELECT %(m)s, u.v, u.l, u.t, u.lot, u.d
FROM unnest(%(v)b::bigint[], %(l)b::bigint[], %(t)b::bigint[], %(lot)b::text[], %(d)b::bigint[])
     AS u(v, l, t, lot, d)
ON CONFLICT (merchant_id, variant_id, location_id, inventory_type_id, lot)
DO UPDATE SET on_hand = lot_levels.on_hand + excluded.on_hand
"""
