"""Drop-ship purchase orders: their states and the acts that move them, when a supplier's collected
lines are sent, when a purchase order is late, and a supplier's reliability. Pure.

States: ``draft`` → ``sent`` → ``acknowledged`` → ``shipped`` (some or all lines shipped) →
``closed`` (every line shipped or cancelled); ``cancelled`` from draft, sent or acknowledged. An
act from any other state is refused (409) naming the state the purchase order is in.

A supplier's **send schedule**: ``now`` (each booking's lines on a purchase order of their own, sent
at once), ``HH:MM`` (lines collected on one purchase order, sent every day at that time, UTC), or
``Nh`` (collected, sent every N hours from midnight UTC, N from 1 to 24).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import Conflict, InvalidInput

DRAFT = "draft"
SENT = "sent"
ACKNOWLEDGED = "acknowledged"
SHIPPED = "shipped"
CLOSED = "closed"
CANCELLED = "cancelled"
STATES = (DRAFT, SENT, ACKNOWLEDGED, SHIPPED, CLOSED, CANCELLED)

SEND = "send"
ACKNOWLEDGE = "acknowledge"
SHIP = "ship"
CANCEL = "cancel"

#: Which states each act may start from, and where it leads (``ship`` leads to shipped or closed).
FROM: dict[str, tuple[str, ...]] = {
    SEND: (DRAFT,),
    ACKNOWLEDGE: (SENT,),
    SHIP: (SENT, ACKNOWLEDGED, SHIPPED),
    CANCEL: (DRAFT, SENT, ACKNOWLEDGED),
}
#: States whose lines the supplier still owes (a cancel of the customer's order amends them).
OPEN = (DRAFT, SENT, ACKNOWLEDGED)


def check_act(number: str, state: str, act: str) -> None:
    """Refuse ``act`` on a purchase order in ``state`` (:class:`Conflict`, 409, naming the state)."""
    allowed = FROM[act]
    if state not in allowed:
        raise Conflict(f"purchase order {number} is {state}; {act} needs {' or '.join(allowed)}", field="state")


def check_state(state: str) -> None:
    if state not in STATES:
        raise InvalidInput(f"{state!r} must be one of {', '.join(STATES)}", field="state")


def po_number(po_id: int) -> str:
    """The number a purchase order is known by (``PO-000042``), on its PDF and in its mails."""
    return f"PO-{po_id:06d}"


# --- the send schedule ----------------------------------------------------------------------------

NOW = "now"
_DAILY = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_EVERY = re.compile(r"([1-9]|1\d|2[0-4])h")


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a supplier's purchase orders are sent: ``at`` (daily ``(hour, minute)``) or every
    ``every_hours`` — neither: at once."""

    at: tuple[int, int] | None = None
    every_hours: int | None = None

    @property
    def collects(self) -> bool:
        """Whether lines booked between two sends are collected on one purchase order."""
        return self.at is not None or self.every_hours is not None


def parse_schedule(text: str) -> Schedule:
    """``now``, ``HH:MM`` or ``Nh`` (see the module); anything else refused naming ``send``."""
    spec = text.strip()
    if spec == NOW:
        return Schedule()
    daily = _DAILY.fullmatch(spec)
    if daily:
        return Schedule(at=(int(daily.group(1)), int(daily.group(2))))
    every = _EVERY.fullmatch(spec)
    if every:
        return Schedule(every_hours=int(every.group(1)))
    raise InvalidInput(
        f"{text!r} must be 'now', a time of day HH:MM (sent daily) or Nh (every N hours, 1h to 24h)", field="send"
    )


def next_send(schedule: Schedule, after: datetime) -> datetime:
    """The first send time strictly after ``after`` (naive or aware UTC alike; the result keeps its kind).
    ``now``: ``after`` itself."""
    midnight = after.replace(hour=0, minute=0, second=0, microsecond=0)
    if schedule.at is not None:
        hour, minute = schedule.at
        at = midnight.replace(hour=hour, minute=minute)
        return at if at > after else at + timedelta(days=1)
    if schedule.every_hours is not None:
        step = timedelta(hours=schedule.every_hours)
        at = midnight
        while at <= after:
            at += step
        return min(at, midnight + timedelta(days=1))
    return after


# --- lateness and reliability ---------------------------------------------------------------------

#: At most one follow-up mail a day per purchase order.
FOLLOW_UP_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Facts:
    """What happened to one purchase order: when it was sent, acknowledged, (first) shipped — None: not yet."""

    sent_at: datetime | None
    acknowledged_at: datetime | None
    shipped_at: datetime | None
    state: str


def ship_by(sent_at: datetime, lead_days: int) -> datetime:
    """When a purchase order sent at ``sent_at`` should have shipped: the supplier's lead time later
    (a lead time of 0 days: by the end of the next day)."""
    return sent_at + timedelta(days=max(lead_days, 1))


def lateness(facts: Facts, lead_days: int, now: datetime) -> str | None:
    """Why the purchase order is late at ``now`` (not acknowledged, or not shipped, within the
    supplier's lead time after it was sent), or None."""
    if facts.sent_at is None or facts.state not in (SENT, ACKNOWLEDGED):
        return None
    due = ship_by(facts.sent_at, lead_days)
    if now < due:
        return None
    what = "acknowledged nor shipped" if facts.acknowledged_at is None else "shipped"
    return f"not {what} within {lead_days} lead day(s) of being sent (due {due.isoformat(timespec='minutes')})"


def follow_up_due(last_follow_up: datetime | None, now: datetime) -> bool:
    """A follow-up may go when none went in the last day."""
    return last_follow_up is None or now - last_follow_up >= FOLLOW_UP_EVERY


@dataclass(frozen=True, slots=True)
class Reliability:
    """A supplier's record from its purchase orders: how many were sent, how many have shipped, the
    share of those shipped within the lead time (percent, None before the first) and the average
    days from sent to shipped."""

    sent: int
    shipped: int
    on_time_percent: float | None
    average_days_to_ship: float | None


def reliability(history: list[Facts], lead_days: int) -> Reliability:
    """The figures over every purchase order that was sent (a cancelled one counts only if it shipped)."""
    sent = [f for f in history if f.sent_at is not None]
    shipped = [(f.sent_at, f.shipped_at) for f in sent if f.shipped_at is not None and f.sent_at is not None]
    if not shipped:
        return Reliability(len(sent), 0, None, None)
    on_time = sum(1 for s, d in shipped if d <= ship_by(s, lead_days))
    days = sum((d - s).total_seconds() for s, d in shipped) / 86_400 / len(shipped)
    return Reliability(len(sent), len(shipped), round(100 * on_time / len(shipped), 1), round(days, 2))
