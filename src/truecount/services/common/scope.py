"""Who is acting, for which merchant. Every service call takes one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from truecount.domain.ledger import MAX_REQUEST_QUANTITY


@dataclass(frozen=True)
class Scope:
    merchant_id: int
    actor: str
    max_quantity: int = MAX_REQUEST_QUANTITY


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Normalise a datetime to aware UTC (SQLite hands back naive UTC values)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def db_time(moment: datetime) -> datetime:
    """The form a timestamp is stored and compared in: naive UTC (same on SQLite and PostgreSQL)."""
    return as_utc(moment).replace(tzinfo=None)
