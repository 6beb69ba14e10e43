"""Every table, grouped by feature. ``metadata`` holds them all.

Every table carries ``merchant_id`` and every business key and index leads with it
(the future distribution key). Surrogate integer ids are the primary keys of the
catalogue tables; levels are keyed by their natural key.
"""

from . import (  # noqa: F401  (register)
    accounts,
    assembly,
    catalog,
    channels,
    ledger,
    offers,
    orders,
    purchasing,
    stocktakes,
    substitutes,
    suppliers,
    sync,
    trackers,
)
from .base import metadata

__all__ = ["metadata"]
