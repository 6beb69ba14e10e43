"""Every table, grouped by feature. ``metadata`` holds them all.

Every table carries ``merchant_id`` and every business key and index leads with it
(the future distribution key). Surrogate integer ids are the primary keys of the
catalogue tables; levels are keyed by their natural key.
"""

from . import accounts, assembly, catalog, channels, ledger, offers, orders, stocktakes, suppliers, sync, trackers  # noqa: F401  (register)
from .base import metadata

__all__ = ["metadata"]
