"""The demo's month of movements: each day's receipts, moves, adjustments, counts, returns and the
supplier's feed from 08:00, one write transaction a day, then the day's sales (:mod:`.demo_orders`).

Each movement has its own moment of the day and its member of staff. Receipts and counts, which the
stock always takes, are recorded set-based as a stock file's are
(:func:`~truecount.services.stock.bulk.record_many`: a run of them between two other movements in a
few statements, each line at its own moment and actor); transfers and adjustments, which the stock
may not cover, one by one through :func:`~truecount.services.stock.movements.record_movement`, each
in a savepoint (a step the stock cannot cover is skipped, as a person would); returns one by one.
A day's supplier feed is recorded set-based at one moment, as a feed file is.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from truecount.adapters.db.engine import Database
from truecount.domain.commands import PostMovement
from truecount.domain.errors import TruecountError
from truecount.services.common import availability
from truecount.services.common.lookups import inventory_type_id, location_tree, variant_ids
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.stock.bulk import Entry, Meta, record_many
from truecount.services.stock.movements import record_movement

from .demo_orders import Sales, staff

ADJUST_REASONS = ("damaged in handling", "found during picking", "water damage", "mis-pick corrected", "theft")
SET_BASED = frozenset({"receive", "count"})  # never refused: recorded a run at a time
UNCERTAIN = frozenset({"transfer", "adjust"})  # the kinds that take stock: refused when it can't cover them
FEED_ACTOR = "feed:acme-footwear"


@dataclass(frozen=True)
class Names:
    """The shop's names resolved once for the month: SKUs, location codes, the good stock's type, and
    each location's bins (what a count is checked against)."""

    variants: dict[str, int]
    locations: dict[str, int]
    good: int
    bins: dict[int, list[tuple[int, str]]]

    def entry(self, cmd: PostMovement, at: datetime | None = None, actor: str | None = None) -> Entry:
        """``cmd`` (a receive, count or feed of good stock) as a set-based entry."""
        return Entry(
            cmd.kind,
            self.variants[cmd.sku],
            self.locations[cmd.location],
            self.good,
            cmd.quantity,
            cmd.sku,
            cmd.location,
            cmd.lot,
            cmd.expires_on,
            cmd.reference,
            at=at,
            actor=actor,
        )


def _names(db: Database, scope: Scope, skus: list[str]) -> Names:
    with db.read() as conn:
        places, bins = location_tree(conn, scope.merchant_id)
        good = inventory_type_id(conn, scope.merchant_id, "good")
        return Names(variant_ids(conn, scope.merchant_id, skus), places, good, bins)


def load_month(
    db: Database,
    scope: Scope,
    rng: random.Random,
    skus: list[str],
    lotted: list[str],
    dropship: list[str],
    bins: list[str],
    sales: Sales,
) -> int:
    """Each day: its receipts, moves, counts, returns and feeds from 08:00, then its sales. Returns the
    movements recorded."""
    now = utcnow()
    start = (now - timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
    names = _names(db, scope, [*skus, *lotted, *dropship, "SOCK-3PK-M"])
    m = scope.merchant_id
    moved = 0
    for day in range(31):
        planned = list(_day_plan(rng, day, start, skus, lotted, dropship, bins))
        when = start + timedelta(days=day, hours=8)
        run: list[Entry] = []
        fed: list[tuple[PostMovement, datetime]] = []
        with db.write() as conn, availability.batched(conn, m):  # a day's movements: one announcement
            for step, cmd in enumerate(planned):
                when = start + timedelta(days=day, hours=8, seconds=step * 37)
                when = min(when, now - timedelta(seconds=37 * (len(planned) - step)))  # today: never in the future
                if cmd.kind == "feed":  # the supplier's feed: the day's figures at once, at its first one's moment
                    fed.append((cmd, when))
                elif cmd.kind in SET_BASED:
                    run.append(names.entry(cmd, db_time(when), staff(rng)))
                else:
                    moved += _record_run(conn, m, names, run)
                    run = []
                    moved += _try(conn, replace(scope, actor=staff(rng)), cmd, when)
            moved += _record_run(conn, m, names, run)
            if fed:
                entries = [names.entry(cmd) for cmd, _ in fed]
                moved += _record(conn, Meta(m, db_time(fed[0][1]), FEED_ACTOR), names, entries)
        sales.day(day, start + timedelta(days=day), when)
    return moved


def _record_run(conn: Connection, m: int, names: Names, run: list[Entry]) -> int:
    """A run of receipts and counts, each line at its own moment and actor (the levels' ``updated_at``:
    the run's last moment)."""
    if not run:
        return 0
    last = run[-1]
    assert last.at is not None and last.actor is not None
    return _record(conn, Meta(m, last.at, last.actor), names, run)


def _record(conn: Connection, meta: Meta, names: Names, entries: list[Entry]) -> int:
    availability.changed(conn, meta.merchant_id, record_many(conn, meta, entries, names.bins))
    return len(entries)


def _try(conn: Connection, scope: Scope, cmd: PostMovement, when: datetime) -> int:
    """Record one movement; a demo step the stock can't cover is skipped, as a person would (in a
    savepoint). Returns are never refused: they go without one (were one refused, the day's
    transaction fails and the demo with it)."""
    if cmd.kind not in UNCERTAIN:
        record_movement(conn, scope, cmd, at=when)
        return 1
    try:
        with conn.begin_nested():
            record_movement(conn, scope, cmd, at=when)
        return 1
    except TruecountError:
        return 0


def _day_plan(
    rng: random.Random,
    day: int,
    start: datetime,
    skus: list[str],
    lotted: list[str],
    dropship: list[str],
    bins: list[str],
) -> Iterator[PostMovement]:
    if day == 0:
        for sku in skus:
            for where in rng.sample(bins, rng.choice((1, 1, 2))):
                yield PostMovement(
                    "receive", sku, where, rng.randint(4, 60), reference=f"PO-{1000 + rng.randint(1, 40)}"
                )
        for i, sku in enumerate(lotted):
            for batch in range(3):
                expires = (start + timedelta(days=20 + 60 * batch + 30 * i)).date()
                yield PostMovement(
                    "receive",
                    sku,
                    "WH-NORTH-A01",
                    rng.randint(20, 80),
                    lot=f"L{day}{i}{batch}",
                    expires_on=expires,
                    reference="PO-2001",
                )
        yield PostMovement("receive", "SOCK-3PK-M", "WH-NORTH-B01", 12, reference="PO-KIT-1")
    reference = f"DAY-{day:02d}"
    for _ in range(rng.randint(2, 5)):
        yield PostMovement(
            "receive", rng.choice(skus), rng.choice(bins), rng.randint(5, 40), reference=f"PO-{1100 + day}"
        )
    for _ in range(rng.randint(3, 7)):
        source, target = rng.sample([*bins, "SHOP-LDN"], 2)
        yield PostMovement(
            "transfer", rng.choice(skus), source, rng.randint(1, 6), to_location=target, reference=reference
        )
    for _ in range(rng.randint(1, 3)):
        yield PostMovement(
            "adjust", rng.choice(skus), rng.choice(bins), rng.choice((-2, -1, -1, 1)), reason=rng.choice(ADJUST_REASONS)
        )
    if day % 7 == 3:
        for sku in rng.sample(skus, 6):
            yield PostMovement("count", sku, rng.choice(bins), rng.randint(0, 40), reference=f"COUNT-{day:02d}")
    for _ in range(rng.randint(0, 2)):
        kind_of = rng.choice(("good", "good", "damaged"))
        yield PostMovement(
            "return",
            rng.choice(skus),
            rng.choice(bins),
            1,
            inventory_type=kind_of,
            reason="customer return",
            reference=f"RMA-{300 + day}",
        )
    for sku in dropship:
        yield PostMovement(
            "feed", sku, "DROP-ACME", max(0, 25 + rng.randint(-10, 10) - day // 3), reference=f"FEED-{day:02d}"
        )
