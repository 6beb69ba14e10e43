"""Every table module imported: ``metadata`` then holds the whole schema (migrations compare against it).
A new table module is listed here (the schema test fails on a table the migrations create and this misses)."""

from . import (  # noqa: F401  (register)
    accounts,
    assembly,
    catalog,
    channels,
    feeds,
    ledger,
    offers,
    orders,
    picking,
    purchasing,
    stocktakes,
    substitutes,
    suppliers,
    sync,
    trackers,
)
from .base import metadata

__all__ = ["metadata"]
