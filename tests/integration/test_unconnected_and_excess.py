"""Edge cases of the listeners and the worker: an unconnected channel waits quietly; a stray
excess of booked over on hand (no bookings behind it) does not recurse through the listeners."""

from __future__ import annotations

import logging
import threading

from tests import factories as f
from tests import order_factories as o
from truecount.adapters.db.engine import Database
from truecount.domain.model import LedgerLine, MovementKind
from truecount.services.common import availability
from truecount.services.common.lookups import location_id, variant_id
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.ledger import Guard, LineMeta, apply_line
from truecount.services.stock.verify import verify
from truecount.services.sync.worker import ChannelRunner, WorkerOptions


def test_booked_above_on_hand_without_bookings_behind_it_settles_without_recursing(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    f.receive(db, scope, "TEE", 2, "WH1")
    with db.write() as conn:  # a booking written straight to the ledger, with no order behind it
        vid, loc = variant_id(conn, scope.merchant_id, "TEE"), location_id(conn, scope.merchant_id, "WH1")
        type_id = int(
            conn.exec_driver_sql(
                f"SELECT id FROM inventory_types WHERE merchant_id = {scope.merchant_id} AND code = 'good'"
            ).scalar_one()
        )
        apply_line(
            conn,
            LedgerLine(MovementKind.BOOK, vid, loc, type_id, "", 0, 2),
            LineMeta(scope.merchant_id, db_time(utcnow()), "test"),
            Guard.AVAILABLE,
        )
    f.move(db, scope, "count", "TEE", "WH1", 1)  # booked 2 > on hand 1, and nothing to release
    with db.write() as conn:
        availability.changed(conn, scope.merchant_id, {vid})  # returns: no RecursionError
    assert verify(db, scope) == []


def test_a_channel_without_a_base_url_waits_quietly_instead_of_failing_in_a_loop(db: Database, scope: Scope) -> None:
    o.shop(db, scope)
    o.channel(db, scope, "shop-unconnected", ["WH1"], kind="shopify")
    warned = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "not connected" in record.getMessage():
                warned.set()

    watch = Watch(level=logging.WARNING)
    sync_log = logging.getLogger("truecount.sync")
    sync_log.addHandler(watch)
    stop = threading.Event()
    runner = ChannelRunner(
        db,
        scope.merchant_id,
        "shop-unconnected",
        "test-worker",
        WorkerOptions(poll_interval_s=0.01, channel_refresh_s=0.05),
        stop,
    )
    failures: list[logging.LogRecord] = []

    class Failures(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                failures.append(record)

    failing = Failures(level=logging.ERROR)
    sync_log.addHandler(failing)
    try:
        runner.thread.start()
        assert warned.wait(timeout=10)
    finally:
        stop.set()
        runner.thread.join(timeout=10)
        sync_log.removeHandler(watch)
        sync_log.removeHandler(failing)
    assert not runner.thread.is_alive()
    assert failures == []
