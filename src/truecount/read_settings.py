"""The few settings a read-only CLI command needs, read without loading pydantic-settings.

``truecount stock SKU`` must answer at once, and pydantic-settings alone costs about a tenth of a
second of CPU to import. The settings are still :class:`truecount.settings.Settings`: this module
starts from the same defaults (:mod:`truecount.defaults`) and takes a value from the environment
only when it is a plain string (the database URL, the merchant, the actor). When there is a
``.env`` file, or a numeric one of these settings is set, the values come from ``Settings``
itself, with its parsing, validation and error messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .defaults import DATABASE_URL, MAX_QUANTITY, MERCHANT, PG_POOL_SIZE, SQLITE_BUSY_TIMEOUT_MS

_PREFIX = "truecount_"
_STRINGS = ("database_url", "merchant", "actor")  # taken as they are, as Settings takes them
_NUMBERS = ("sqlite_busy_timeout_ms", "pg_pool_size", "max_quantity")  # parsed and checked by Settings


@dataclass(frozen=True, slots=True)
class ReadSettings:
    """What a read-only command needs of :class:`truecount.settings.Settings` (same names, same defaults)."""

    database_url: str = DATABASE_URL
    merchant: str = MERCHANT
    actor: str = ""
    sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
    pg_pool_size: int = PG_POOL_SIZE
    max_quantity: int = MAX_QUANTITY


def read_settings() -> ReadSettings:
    """These settings as ``Settings`` reads them (environment names are case-insensitive, as there)."""
    env = {name.lower(): value for name, value in os.environ.items() if name.lower().startswith(_PREFIX)}
    if Path(".env").exists() or any(_PREFIX + name in env for name in _NUMBERS):
        from truecount.settings import get_settings

        full = get_settings()
        return ReadSettings(**{name: getattr(full, name) for name in (*_STRINGS, *_NUMBERS)})
    return ReadSettings(
        database_url=env.get(_PREFIX + "database_url", DATABASE_URL),
        merchant=env.get(_PREFIX + "merchant", MERCHANT),
        actor=env.get(_PREFIX + "actor", ""),
    )
