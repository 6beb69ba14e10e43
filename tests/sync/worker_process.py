"""A sync worker in its own process, for the SIGKILL test: ``python -m tests.sync.worker_process
DB_URL MERCHANT_ID LISTINGS_JSON_FILE``. It wires the same stand-in listing directory as the tests."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.sync.fakes import LISTINGS, install
from truecount.adapters.db.engine import Database
from truecount.services.sync_worker import Worker, WorkerOptions


def main() -> None:
    url, merchant_id, listings_file = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    install()
    db = Database(url)
    LISTINGS.load(db, merchant_id, listings_file.read_text())
    options = WorkerOptions(poll_interval_s=0.05, lease_s=2.0, channel_refresh_s=0.1, merchant_id=merchant_id)
    Worker(db, options).run()


if __name__ == "__main__":
    main()
