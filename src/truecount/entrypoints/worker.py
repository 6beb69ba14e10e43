"""The sync worker process (``truecount worker``) and the embedded worker ``truecount serve`` runs.

Both also run the offer clock: offers the date alone changes (a lot expires, a release date
arrives) are recomputed and pushed every ``OFFER_CLOCK_INTERVAL_S`` seconds (services.offer_clock),
the purchase order mailer: every ``po_interval_s`` seconds, due purchase orders, amendments and
follow-ups of late ones are mailed (services.purchasing) and the suppliers' replies in ``po_inbox`` read
(services.shipping.inbox), and the supplier feeds: every
``feed_interval_s`` seconds, due feeds are run and late ones marked stale (services.feeds).

Stopping (SIGTERM, SIGINT, or the end of ``serve``) takes a second or two: every wait of the sync
runners and the clock is on the stop event, and stopping waits for the threads ``STOP_WAIT_S`` at most
(a send still in flight is abandoned; its claims come back to the queue when their lease ends).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from truecount.adapters.db.engine import Database
from truecount.domain.feeds import folders_of
from truecount.services.common.scope import utcnow
from truecount.services.feeds import schedule as feeds
from truecount.services.offers import clock as offer_clock
from truecount.services.purchasing import worker as purchasing
from truecount.services.sync.worker import Worker, WorkerOptions, start_in_background
from truecount.settings import Settings

from .mailer import mailer_from
from .process import settled

STOP_WAIT_S = 2.0


def options_from(settings: Settings, merchant_id: int | None = None) -> WorkerOptions:
    return WorkerOptions(
        poll_interval_s=settings.worker_poll_interval_s,
        lease_s=settings.push_lease_s,
        merchant_id=merchant_id,
        join_s=STOP_WAIT_S,
    )


log = logging.getLogger(__name__)


def _offer_clock(db: Database, stop: threading.Event, interval_s: float) -> None:
    while not stop.is_set():
        try:
            offer_clock.run_due(db, utcnow().date())
        except Exception:
            log.exception("offer clock: could not recompute dated offers")
        stop.wait(interval_s)


def start_offer_clock(
    db: Database, stop: threading.Event | None = None, interval_s: float = offer_clock.OFFER_CLOCK_INTERVAL_S
) -> Callable[[], None]:
    """Run the offer clock in a daemon thread; the returned function stops it and waits for it."""
    event = stop or threading.Event()
    thread = threading.Thread(target=_offer_clock, args=(db, event, interval_s), name="offer-clock", daemon=True)
    thread.start()

    def halt() -> None:
        event.set()
        thread.join(timeout=STOP_WAIT_S)

    return halt


def _purchase_orders(db: Database, settings: Settings, stop: threading.Event, merchant_id: int | None) -> None:
    mailer = mailer_from(settings)
    while not stop.is_set():
        try:
            purchasing.run_due(db, mailer, retry_s=settings.po_retry_s, merchant_id=merchant_id)
        except Exception:
            log.exception("purchase orders: could not mail")
        if settings.po_inbox:
            read_replies(db, Path(settings.po_inbox), merchant_id, settings.max_quantity)
        stop.wait(settings.po_interval_s)


def read_replies(db: Database, path: Path, merchant_id: int | None, max_quantity: int) -> None:
    """One pass over the purchase order inbox; what cannot be read is logged (once: it is remembered)."""
    from truecount.services.shipping.inbox import read_inbox

    try:
        report = read_inbox(db, path, merchant_id=merchant_id, actor="worker", max_quantity=max_quantity)
    except Exception:
        log.exception("purchase orders: could not read the inbox %s", path)
        return
    for entry in report.entries:
        level = logging.WARNING if entry.outcome == "unread" else logging.INFO
        log.log(level, "inbox %s %s (%s): %s", entry.message_id, entry.outcome, entry.purchase_order, entry.detail)


def start_purchase_orders(
    db: Database, settings: Settings, stop: threading.Event | None = None, merchant_id: int | None = None
) -> Callable[[], None]:
    """Mail purchase orders in a daemon thread; the returned function stops it and waits for it."""
    event = stop or threading.Event()
    thread = threading.Thread(
        target=_purchase_orders, args=(db, settings, event, merchant_id), name="purchase-orders", daemon=True
    )
    thread.start()

    def halt() -> None:
        event.set()
        thread.join(timeout=STOP_WAIT_S)

    return halt


def _feeds(db: Database, settings: Settings, stop: threading.Event, merchant_id: int | None) -> None:
    while not stop.is_set():
        try:
            folders = folders_of(settings.feed_folders)
            feeds.run_due(db, folders=folders, merchant_id=merchant_id, max_quantity=settings.max_quantity)
        except Exception:
            log.exception("supplier feeds: could not run")
        stop.wait(settings.feed_interval_s)


def start_supplier_feeds(
    db: Database, settings: Settings, stop: threading.Event | None = None, merchant_id: int | None = None
) -> Callable[[], None]:
    """Run due supplier feeds in a daemon thread; the returned function stops it and waits for it."""
    event = stop or threading.Event()
    thread = threading.Thread(
        target=_feeds, args=(db, settings, event, merchant_id), name="supplier-feeds", daemon=True
    )
    thread.start()

    def halt() -> None:
        event.set()
        thread.join(timeout=STOP_WAIT_S)

    return halt


def start_embedded_worker(db: Database, settings: Settings) -> Callable[[], None]:
    """Run the sync worker, the offer clock, the purchase order mailer and the supplier feeds in background
    threads; call the returned function to stop them."""
    stop_sync = start_in_background(db, options_from(settings))
    stop_clock = start_offer_clock(db)
    stop_mail = start_purchase_orders(db, settings)
    stop_feeds = start_supplier_feeds(db, settings)

    def stop() -> None:
        stop_feeds()
        stop_mail()
        stop_clock()
        stop_sync()

    return stop


def run_worker(db: Database, settings: Settings, merchant_id: int | None = None) -> None:
    """Run in the foreground until SIGINT or SIGTERM (every merchant's channels, or one merchant's)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    start_offer_clock(db, stop)
    start_purchase_orders(db, settings, stop, merchant_id)
    start_supplier_feeds(db, settings, stop, merchant_id)
    with settled():  # started: what start-up built stays out of the collector's walks
        Worker(db, options_from(settings, merchant_id), stop).run()
    log.info("sync worker stopped")
