"""Who is acting, for which merchant. Every service call takes one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from truecount.domain.ledger import MAX_REQUEST_QUANTITY


@dataclass(frozen=True)
class Scope:
    merchant_id: int
    actor: str
    max_quantity: int = MAX_REQUEST_QUANTITY


_CLOCK: ContextVar[datetime | None] = ContextVar("truecount_clock", default=None)


def utcnow() -> datetime:
    """Now (aware UTC) — or the moment set by :func:`clock_at` in this thread or task."""
    fixed = _CLOCK.get()
    return fixed if fixed is not None else datetime.now(UTC)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Record what the services do inside the block as done at ``moment`` (orders, bookings,
    shipments and their movements): how the demo back-dates its month of sales. Only for the
    calling thread or task; a moment in the future is refused."""
    when = as_utc(moment)
    if when > datetime.now(UTC):
        raise ValueError(f"clock_at: {when.isoformat()} is in the future")
    token = _CLOCK.set(when)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def as_utc(moment: datetime) -> datetime:
    """Normalise a datetime to aware UTC (SQLite hands back naive UTC values)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def db_time(moment: datetime) -> datetime:
    """The form a timestamp is stored and compared in: naive UTC (same on SQLite and PostgreSQL)."""
    return as_utc(moment).replace(tzinfo=None)
