"""Defaults of the settings a read-only CLI command reads without pydantic-settings.

:class:`truecount.settings.Settings` declares these settings with these values, and
:mod:`truecount.read_settings` falls back on them, so each default is written once.
"""

from truecount.domain.ledger import MAX_REQUEST_QUANTITY

DATABASE_URL = "sqlite:///truecount.db"
MERCHANT = "default"
SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_POOL_SIZE = 20
MAX_QUANTITY = MAX_REQUEST_QUANTITY
