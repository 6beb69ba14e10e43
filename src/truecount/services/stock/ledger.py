"""The one place a movement is written: the ledger line and its projection, in one transaction.

Every act that changes stock (receive, count, transfer, booking, shipping…) ends up in
:func:`apply_line`. Increases are one upsert; decreases are one guarded ``UPDATE`` that
only hits when the stock is there, and the ledger row is written only when it hits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, select, update

from truecount.adapters.db.tables.catalog import lots
from truecount.adapters.db.tables.ledger import lot_levels, movements, stock_levels
from truecount.domain.errors import InsufficientStock
from truecount.domain.model import LedgerLine, Level
from truecount.services.common.sql import upsert_add


class Guard(StrEnum):
    """What a decrease must leave intact."""

    AVAILABLE = "available"  # on_hand − booked stays ≥ 0 (transfers, adjustments, bookings)
    NON_NEGATIVE = "non_negative"  # on_hand and booked stay ≥ 0 (counts, shipping, releases)


@dataclass(frozen=True)
class LineMeta:
    """Who, when, why for a ledger line."""

    merchant_id: int
    at: datetime  # naive UTC
    actor: str
    reason: str | None = None
    reference: str | None = None
    idempotency_key: str | None = None
    order_line_id: int | None = None


def level_key(merchant_id: int, line: LedgerLine) -> dict[str, int]:
    return {
        "merchant_id": merchant_id,
        "variant_id": line.variant_id,
        "location_id": line.location_id,
        "inventory_type_id": line.inventory_type_id,
    }


_KEY = ("merchant_id", "variant_id", "location_id", "inventory_type_id")


def _where_key(table: Any) -> list[Any]:
    return [table.c[name] == bindparam(f"k_{name}") for name in _KEY]


def _params(key: dict[str, int], **extra: Any) -> dict[str, Any]:
    return {**{f"k_{name}": value for name, value in key.items()}, **extra}


# Statements are built once and reused with bound parameters (the hot path pays no query building).
_s = stock_levels.c
_READ_LEVEL = select(_s.on_hand, _s.booked).where(*_where_key(stock_levels))
_READ_LEVEL_LOCKED = _READ_LEVEL.with_for_update()
_NEW_ON, _NEW_BOOKED = _s.on_hand + bindparam("d_on"), _s.booked + bindparam("d_booked")
_GUARDED = {
    Guard.AVAILABLE: update(stock_levels)
    .where(*_where_key(stock_levels), _NEW_ON - _NEW_BOOKED >= 0, _NEW_ON >= 0, _NEW_BOOKED >= 0)
    .values(on_hand=_NEW_ON, booked=_NEW_BOOKED),
    Guard.NON_NEGATIVE: update(stock_levels)
    .where(*_where_key(stock_levels), _NEW_ON >= 0, _NEW_BOOKED >= 0)
    .values(on_hand=_NEW_ON, booked=_NEW_BOOKED),
}
_l = lot_levels.c
_TAKE_LOT = (
    update(lot_levels)
    .where(*_where_key(lot_levels), _l.lot == bindparam("k_lot"), _l.on_hand + bindparam("d_on") >= 0)
    .values(on_hand=_l.on_hand + bindparam("d_on"))
)
_LOTS_AT = (
    select(_l.lot, lots.c.expires_on, _l.on_hand)
    .select_from(
        lot_levels.outerjoin(
            lots, and_(lots.c.merchant_id == _l.merchant_id, lots.c.variant_id == _l.variant_id, lots.c.code == _l.lot)
        )
    )
    .where(*_where_key(lot_levels), _l.on_hand > 0)
)
_INSERT_MOVEMENT = insert(movements)


def read_level(conn: Connection, key: dict[str, int], *, lock: bool = False) -> Level:
    """The current level (zero when no row exists). ``lock`` takes a row lock on PostgreSQL."""
    stmt = _READ_LEVEL_LOCKED if lock and conn.dialect.name == "postgresql" else _READ_LEVEL
    row = conn.execute(stmt, _params(key)).first()
    return Level(0, 0) if row is None else Level(int(row[0]), int(row[1]))


def apply_line(conn: Connection, line: LedgerLine, meta: LineMeta, guard: Guard = Guard.AVAILABLE) -> int:
    """Apply one line to the levels and append it to the ledger. Returns the movement id.

    Raises :class:`InsufficientStock` (nothing written) when a decrease is not covered.
    """
    key = level_key(meta.merchant_id, line)
    d_on, d_booked = line.on_hand_delta, line.booked_delta
    if line.location_id is not None:
        if d_on >= 0 and d_booked >= 0 and not (guard is Guard.AVAILABLE and d_booked > 0):
            upsert_add(conn, stock_levels, key, {"on_hand": d_on, "booked": d_booked}, {"updated_at": meta.at})
        else:
            _guarded_update(conn, key, d_on, d_booked, guard)
        if d_on:
            _apply_lot(conn, key, line.lot, d_on)
    result = conn.execute(
        _INSERT_MOVEMENT,
        {
            "merchant_id": meta.merchant_id,
            "at": meta.at,
            "actor": meta.actor,
            "kind": line.kind.value,
            "variant_id": line.variant_id,
            "location_id": line.location_id,
            "inventory_type_id": line.inventory_type_id,
            "lot": line.lot,
            "on_hand_delta": d_on,
            "booked_delta": d_booked,
            "counted": line.counted,
            "reason": meta.reason,
            "reference": meta.reference,
            "idempotency_key": meta.idempotency_key,
            "order_line_id": meta.order_line_id,
        },
    )
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def _guarded_update(conn: Connection, key: dict[str, int], d_on: int, d_booked: int, guard: Guard) -> None:
    hit = conn.execute(_GUARDED[guard], _params(key, d_on=d_on, d_booked=d_booked)).rowcount
    if not hit:
        level = read_level(conn, key)
        wanted = max(-d_on, d_booked, -d_booked)
        raise InsufficientStock(
            f"only {max(level.available, 0)} available (on hand {level.on_hand}, booked {level.booked}), "
            f"{wanted} requested",
            field="quantity",
            details=[
                {"on_hand": level.on_hand, "booked": level.booked, "available": level.available, "requested": wanted}
            ],
        )


def _apply_lot(conn: Connection, key: dict[str, int], lot: str, delta: int) -> None:
    lot_key = {**key, "lot": lot}
    if delta > 0:
        upsert_add(conn, lot_levels, lot_key, {"on_hand": delta}, {})
        return
    hit = conn.execute(_TAKE_LOT, _params(key, k_lot=lot, d_on=delta)).rowcount
    if not hit:
        raise InsufficientStock(f"lot {lot or '(none)'} does not hold {-delta}", field="lot")


def lots_at(conn: Connection, key: dict[str, int]) -> list[tuple[str, object, int]]:
    """``(lot, expires_on, on_hand)`` for one level, for first-expiry-first-out planning."""
    return [(str(r[0]), r[1], int(r[2])) for r in conn.execute(_LOTS_AT, _params(key))]
