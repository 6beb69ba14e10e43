"""The sync worker process (``truecount worker``) and the embedded worker ``truecount serve`` runs."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from truecount.adapters.db.engine import Database
from truecount.services.sync_worker import Worker, WorkerOptions, start_in_background
from truecount.settings import Settings


def options_from(settings: Settings, merchant_id: int | None = None) -> WorkerOptions:
    return WorkerOptions(
        poll_interval_s=settings.worker_poll_interval_s, lease_s=settings.push_lease_s, merchant_id=merchant_id
    )


def start_embedded_worker(db: Database, settings: Settings) -> Callable[[], None]:
    """Run the sync worker in background threads; call the returned function to stop it."""
    return start_in_background(db, options_from(settings))


def run_worker(db: Database, settings: Settings, merchant_id: int | None = None) -> None:
    """Run in the foreground until SIGINT or SIGTERM (every merchant's channels, or one merchant's)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    Worker(db, options_from(settings, merchant_id), stop).run()
