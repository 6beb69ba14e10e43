"""Rate limiting and retrying for connectors: a token bucket per operation, backoff with full jitter, and
waits that end at once when the worker stops.

Buckets come from a factory (``BucketFactory``): a connector built on its own keeps them in memory;
the sync worker, ``reconcile`` and ``channel check`` hand it buckets kept in the database, so what was
spent outlives a rebuilt connector and is shared by every process that talks to the channel.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx

from .base import ChannelUnavailable, Stopped

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
Pause = Callable[[float], None]


class Bucket(Protocol):
    """A token bucket: ``capacity`` tokens refilled at ``rate`` per second."""

    rate: float
    capacity: float

    def acquire(self, cost: float, pause: Pause) -> None:
        """Take ``cost`` tokens, waiting with ``pause(seconds)`` until there are enough."""
        ...

    def update(self, *, rate: float | None = None, capacity: float | None = None, tokens: float | None = None) -> None:
        """Learn the channel's own figures (from its answers' headers or bodies)."""
        ...


BucketFactory = Callable[[str, float, float], Bucket]  # (operation, rate per second, capacity) -> its bucket


class TokenBucket:
    """An in-memory bucket (one process, one connector). Fed from the channel's own answers where it sends
    them (``update``): Shopify's ``throttleStatus``, Amazon's ``x-amzn-RateLimit-Limit``."""

    def __init__(self, rate: float, capacity: float, *, tokens: float | None = None) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity if tokens is None else tokens
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def acquire(self, cost: float = 1.0, pause: Pause = time.sleep) -> None:
        cost = min(cost, self.capacity)
        while True:
            with self.lock:
                self._refill()
                if self.tokens >= cost:
                    self.tokens -= cost
                    return
                wait = (cost - self.tokens) / self.rate if self.rate > 0 else 1.0
            pause(min(wait, 5.0))

    def update(self, *, rate: float | None = None, capacity: float | None = None, tokens: float | None = None) -> None:
        with self.lock:
            self._refill()
            if rate is not None and rate > 0:
                self.rate = rate
            if capacity is not None and capacity > 0:
                self.capacity = capacity
            if tokens is not None:
                self.tokens = min(self.capacity, max(0.0, tokens))


def memory_buckets() -> BucketFactory:
    """A factory of in-memory buckets, one per operation (asking twice for an operation gives the same one)."""
    made: dict[str, TokenBucket] = {}

    def bucket(operation: str, rate: float, capacity: float) -> Bucket:
        if operation not in made:
            made[operation] = TokenBucket(rate, capacity)
        return made[operation]

    return bucket


NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)  # the request never left


class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base × 2ⁿ))."""

    def __init__(self, base_s: float = 0.05, cap_s: float = 5.0, rng: random.Random | None = None) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.rng = rng or random.Random()

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.cap_s, self.base_s * 2**attempt))


class HttpChannel:
    """An httpx client that waits for its rate bucket, retries transient failures and reports the rest.

    ``auth`` (an ``httpx.Auth``) signs every request and refreshes tokens (``adapters.channels.auth``);
    ``stop``, when set, cuts every wait short with :class:`Stopped`. The httpx client is built at the
    first request: building it loads the system's certificates (about 90 ms of CPU), which a
    connector that only verifies and parses a webhook never needs.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        attempts: int = 6,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
        stop: threading.Event | None = None,
        verify: Any = True,
    ) -> None:
        self._client_options: dict[str, Any] = {
            "base_url": base_url,
            "timeout": timeout_s,
            "headers": headers or {},
            "auth": auth,
            "verify": verify,
        }
        self._client: httpx.Client | None = None
        self.attempts = attempts
        self.backoff = Backoff()
        self.stop = stop
        self.retries = 0  # transient failures retried (for status and benchmarks)

    @property
    def client(self) -> httpx.Client:
        """The httpx client (built on first use)."""
        if self._client is None:
            self._client = httpx.Client(**self._client_options)
        return self._client

    def pause(self, seconds: float) -> None:
        """Wait ``seconds``, or raise :class:`Stopped` as soon as the worker is asked to stop."""
        if self.stop is None:
            time.sleep(seconds)
        elif self.stop.wait(seconds):
            raise Stopped("the worker is stopping")

    def request(
        self,
        bucket: Bucket,
        method: str,
        url: str,
        *,
        cost: float = 1.0,
        on_answer: Callable[[httpx.Response], None] | None = None,
        resend: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send once the bucket allows; retry 429/5xx/timeouts/dropped connections with backoff and jitter.

        ``resend=False`` (a write that is not idempotent, such as creating a fulfilment): retry only what
        surely did not land (a connection never made, a 429); a timeout, a dropped answer or a 5xx raises
        :class:`ChannelUnavailable` at once, so the caller can read what the channel holds before trying again."""
        last = "no attempt"
        for attempt in range(self.attempts):
            if self.stop is not None and self.stop.is_set():
                raise Stopped("the worker is stopping")
            bucket.acquire(cost, self.pause)
            try:
                answer = self.client.request(method, url, **kwargs)
            except httpx.TransportError as error:  # timeouts, refused or dropped connections
                last = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                if not resend and not isinstance(error, NOT_SENT):
                    raise ChannelUnavailable(f"{method} {url}: {last} (it may have landed: not sent again)") from error
            else:
                if on_answer is not None:
                    on_answer(answer)
                if answer.status_code not in RETRYABLE_STATUS:
                    return answer
                last = f"HTTP {answer.status_code}"
                if not resend and answer.status_code != 429:
                    raise ChannelUnavailable(f"{method} {url}: {last} (it may have landed: not sent again)")
                retry_after = _retry_after_s(answer)
                if retry_after is not None:
                    self.retries += 1
                    self.pause(min(retry_after, 30.0))
                    continue
            self.retries += 1
            self.pause(self.backoff.delay(attempt))
        raise ChannelUnavailable(f"{method} {url}: {last} after {self.attempts} attempts")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _retry_after_s(answer: httpx.Response) -> float | None:
    value = answer.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
