"""Factories for tracker tests: sales and shipments written to the ledger at a chosen moment.

A sale here is what booking writes (a ``book`` movement with an order line) and a shipment
what fulfilment writes (``ship``: on hand −q, booked −q), through the one write path —
backdated, which the orders service cannot do (its movements are stamped now). One test
runs the real orders service end to end (``test_the_orders_service_…``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import events
from truecount.domain.commands import SetTracker
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.lookups import inventory_type_id, location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.ledger import Guard, LineMeta, apply_line
from truecount.services.trackers.watch import TrackerSaved, set_tracker

_order_line = iter(range(1, 10**9))


def _line(db: Database, scope: Scope, kind: MovementKind, sku: str, at: str, on_hand: int, booked: int, **kw: Any):  # type: ignore[no-untyped-def]
    days_ago: float = kw.get("days_ago", 0)
    with db.write() as conn:
        m = scope.merchant_id
        vid = variant_id(conn, m, sku)
        line = LedgerLine(
            kind,
            vid,
            location_id(conn, m, at),
            inventory_type_id(conn, m, kw.get("inventory_type", "good")),
            kw.get("lot", ""),
            on_hand,
            booked,
        )
        moment = db_time(utcnow()) - timedelta(days=days_ago)
        apply_line(conn, line, LineMeta(m, moment, "test", order_line_id=next(_order_line)), Guard.NON_NEGATIVE)
        availability.changed(conn, m, {vid})


def sale(db: Database, scope: Scope, sku: str, quantity: int, at: str, **kw: Any) -> None:
    """An order line booked ``days_ago`` days ago (``book``: booked +q)."""
    _line(db, scope, MovementKind.BOOK, sku, at, 0, quantity, **kw)


def cancel(db: Database, scope: Scope, sku: str, quantity: int, at: str, **kw: Any) -> None:
    """A cancellation (``release``: booked −q)."""
    _line(db, scope, MovementKind.RELEASE, sku, at, 0, -quantity, **kw)


def ship(db: Database, scope: Scope, sku: str, quantity: int, at: str, **kw: Any) -> None:
    """A booked line shipped (``ship``: on hand −q, booked −q)."""
    _line(db, scope, MovementKind.SHIP, sku, at, -quantity, -quantity, **kw)


def tracker(db: Database, scope: Scope, sku: str, mechanism: str, type_: str = "good", **params: int) -> TrackerSaved:
    return set_tracker(db, scope, SetTracker(sku, type_, mechanism, params))


def tracker_events(db: Database, scope: Scope) -> list[tuple[str, str]]:
    """(topic, payload JSON) of the merchant's tracker events, oldest first."""
    with db.read() as conn:
        rows = conn.execute(
            select(events.c.topic, events.c.payload)
            .where(events.c.merchant_id == scope.merchant_id, events.c.topic.like("tracker_%"))
            .order_by(events.c.id)
        )
        return [(r[0], r[1]) for r in rows]


def now() -> datetime:
    return db_time(utcnow())
