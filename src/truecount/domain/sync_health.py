"""What a channel's sync status means, in words a seller reads (pure).

A channel is, in this order of precedence:

- ``not_connected``: its settings have no ``base_url``; pushes wait in the queue;
- ``paused``: the channel refused our credentials (the stored credentials failure, set by the
  worker when a channel answered with a credentials refusal, never guessed from an error's
  text); nothing is sent until they are changed;
- ``failing``: the last pushes failed (the last error in words); the worker retries with backoff;
- ``behind``: pushes wait longer than the channel's policy explains (immediate: a minute;
  interval: the interval and a minute);
- ``in_step``: connected, and nothing waits longer than it should.

Drift (listings whose read-back differs from the last push) is reported beside the state, only
when a read-back made after the last push found it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

NOT_CONNECTED = "not_connected"
PAUSED = "paused"
FAILING = "failing"
BEHIND = "behind"
IN_STEP = "in_step"
GRACE_S = 60.0  # how long an immediate push may wait before the channel counts as behind


@dataclass(frozen=True)
class SyncFacts:
    """What the sync tables know of one channel at ``now``."""

    connected: bool
    push: str  # immediate | interval
    push_interval_s: float
    queue_depth: int
    oldest_queued_at: datetime | None
    failing_rows: int
    consecutive_failures: int
    paused_until: datetime | None
    last_error: str | None
    credentials_error: str | None = None  # the stored credentials failure: set, the channel is paused


@dataclass(frozen=True)
class SyncState:
    state: str
    summary: str  # one sentence: what is going on and, where it helps, what to do


def error_in_words(error: str | None, credentials: bool = False) -> str:
    """A connector's error as a person reads it; the raw text follows in brackets. ``credentials``:
    the error is the stored credentials failure (the worker knew it for one)."""
    if not error:
        return ""
    raw = " ".join(error.split())[:300]
    status = re.search(r"\b([1-5]\d\d)\b", raw)
    code = int(status.group(1)) if status else None
    lowered = raw.lower()
    if credentials:
        words = "the channel refused the credentials"
    elif code == 429 or "rate limit" in lowered or "too many requests" in lowered:
        words = "the channel is limiting our request rate"
    elif "timed out" in lowered or "timeout" in lowered:
        words = "the channel did not answer in time"
    elif "connect" in lowered or "refused" in lowered or "name or service" in lowered:
        words = "the channel cannot be reached"
    elif code is not None and code >= 500:
        words = f"the channel's server failed (HTTP {code})"
    elif code is not None and code >= 400:
        words = f"the channel refused the request (HTTP {code})"
    else:
        words = "the push failed"
    return f"{words} ({raw})"


def _age(since: datetime | None, now: datetime) -> float:
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


def age_in_words(seconds: float) -> str:
    """``45 s``, ``12 min``, ``3 h 5 min``, ``2 days``."""
    s = int(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86_400:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    days = s // 86_400
    return f"{days} day{'s' if days != 1 else ''}"


def sync_state(facts: SyncFacts, now: datetime) -> SyncState:
    """The channel's state and one sentence that says it (see the module's docstring)."""
    waiting = f"{facts.queue_depth} push{'es' if facts.queue_depth != 1 else ''}"
    oldest = age_in_words(_age(facts.oldest_queued_at, now))
    if not facts.connected:
        tail = f"; {waiting} wait in the queue (oldest {oldest})" if facts.queue_depth else ""
        return SyncState(NOT_CONNECTED, f"not connected: no base_url set{tail}")
    if facts.credentials_error:
        return SyncState(
            PAUSED,
            f"paused: {error_in_words(facts.credentials_error, credentials=True)}; change the credentials to resume"
            + (f" ({waiting} queued)" if facts.queue_depth else ""),
        )
    if facts.consecutive_failures or facts.failing_rows:
        retry = ""
        if facts.paused_until is not None and facts.paused_until > now:
            retry = f", retrying in {age_in_words(_age(now, facts.paused_until))}"
        failures = facts.consecutive_failures or facts.failing_rows
        return SyncState(
            FAILING,
            f"failing: {error_in_words(facts.last_error) or 'pushes were refused'}"
            f" — {failures} failure{'s' if failures != 1 else ''}{retry}; {waiting} queued (oldest {oldest})",
        )
    allowed = GRACE_S + (facts.push_interval_s if facts.push == "interval" else 0.0)
    if facts.queue_depth and _age(facts.oldest_queued_at, now) > allowed:
        return SyncState(BEHIND, f"behind: {waiting} queued, the oldest {oldest} ago")
    if facts.queue_depth:
        return SyncState(IN_STEP, f"in step: {waiting} on the way")
    return SyncState(IN_STEP, "in step")
