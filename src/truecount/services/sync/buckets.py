"""Rate buckets kept in the database: one per (merchant, channel, operation), shared by every connector
that talks to the channel — the worker's push and order-poll runners, a connector rebuilt after a config
change, ``truecount reconcile`` or ``channel check`` run as their own processes. What one spent, the others
see: a rebuilt connector does not start with a full bucket and overrun the channel's limit.

Taking tokens is a compare-and-set on the row's ``version`` inside one write transaction (PostgreSQL's
row lock and SQLite's single writer make the version check exact), so concurrent takers never spend the
same tokens twice. Rates come from the connector (configured or learned from the channel's answers) and
are written back with every take.
"""

from __future__ import annotations

import time

from sqlalchemy import select, update

from truecount.adapters.channels.http import Bucket, BucketFactory, Pause
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.sync import rate_buckets
from truecount.services.common.sql import insert_ignore

MAX_WAIT_S = 1.0  # look again at least this often (another process may have changed the rate)


class SharedBucket:
    """A token bucket whose tokens live in ``rate_buckets``."""

    def __init__(
        self, db: Database, merchant_id: int, channel_id: int, operation: str, rate: float, capacity: float
    ) -> None:
        self.db = db
        self.key = (
            (rate_buckets.c.merchant_id == merchant_id)
            & (rate_buckets.c.channel_id == channel_id)
            & (rate_buckets.c.operation == operation)
        )
        self.row = {"merchant_id": merchant_id, "channel_id": channel_id, "operation": operation[:64]}
        self.rate = rate
        self.capacity = capacity

    def acquire(self, cost: float, pause: Pause) -> None:
        cost = min(cost, self.capacity)
        while True:
            wait = self._take(cost)
            if wait <= 0:
                return
            pause(min(wait, MAX_WAIT_S))

    def _take(self, cost: float) -> float:
        """Take ``cost`` tokens now (0.0) or say how long until there are enough (seconds)."""
        now = time.time()
        with self.db.write() as conn:
            row = conn.execute(
                select(rate_buckets.c.tokens, rate_buckets.c.stamp, rate_buckets.c.version).where(self.key)
            ).first()
            if row is None:
                fresh = {**self.row, "rate": self.rate, "capacity": self.capacity, "stamp": now, "version": 1}
                if insert_ignore(conn, rate_buckets, {**fresh, "tokens": self.capacity - cost}):
                    return 0.0
                return 0.001  # another taker created it first: look again
            tokens = min(self.capacity, float(row.tokens) + max(0.0, now - float(row.stamp)) * self.rate)
            if tokens + 1e-9 < cost:
                return (cost - tokens) / self.rate if self.rate > 0 else MAX_WAIT_S
            taken = conn.execute(
                update(rate_buckets)
                .where(self.key, rate_buckets.c.version == row.version)
                .values(
                    tokens=tokens - cost, stamp=now, version=row.version + 1, rate=self.rate, capacity=self.capacity
                )
            )
            return 0.0 if taken.rowcount == 1 else 0.001

    def update(self, *, rate: float | None = None, capacity: float | None = None, tokens: float | None = None) -> None:
        """Learn the channel's figures; ``tokens`` (what the channel says is left) is written through."""
        if rate is not None and rate > 0:
            self.rate = rate
        if capacity is not None and capacity > 0:
            self.capacity = capacity
        if tokens is not None:
            left = min(self.capacity, max(0.0, tokens))
            with self.db.write() as conn:
                conn.execute(
                    update(rate_buckets)
                    .where(self.key)
                    .values(
                        tokens=left,
                        stamp=time.time(),
                        version=rate_buckets.c.version + 1,
                        rate=self.rate,
                        capacity=self.capacity,
                    )
                )


def shared_buckets(db: Database, merchant_id: int, channel_id: int) -> BucketFactory:
    """The bucket factory a channel's connectors get: one shared bucket per operation."""
    made: dict[str, SharedBucket] = {}

    def bucket(operation: str, rate: float, capacity: float) -> Bucket:
        if operation not in made:
            made[operation] = SharedBucket(db, merchant_id, channel_id, operation, rate, capacity)
        return made[operation]

    return bucket
