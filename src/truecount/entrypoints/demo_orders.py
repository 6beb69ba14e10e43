"""The demo's sales: orders from every channel, day by day over the past month, and the staff who
ship them — so the stock health trackers show real health (turnover from what sold, stalled from
what shipped) and the orders list reads like a month of trade.

Orders are booked through the same ``place_order`` as the API, with the channel as the actor
(``sync:shopify``…; the shop's till is a member of staff); most are shipped the next afternoon by a
member of staff through the same fulfilment as ``change_order`` (a day's shipping in one
transaction, each order in a savepoint). Each is recorded at its moment of the month with
:func:`~truecount.services.common.scope.clock_at`: a day's receipts and moves come first (from
08:00), its orders from 10:00, the shipping of the day before's from 17:00. Yesterday's orders
and a few others stay open.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.ledger import stock_levels
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import TruecountError
from truecount.services.common import availability
from truecount.services.common.scope import Scope, clock_at
from truecount.services.orders.fulfilment import apply_change_without_answer
from truecount.services.orders.place import place_order_alone

STAFF = ("user:maria", "user:tom", "user:aisha", "user:ben")
CHANNELS = ("shopify", "amazon", "ebay", "woocommerce", "pos")
SALES_DAYS = 30  # the 30 days before today; today's orders are the real ones
WATCHED_ON = (20, 25)  # days the stalled trackers' SKUs sell (inside their 14-day window)
LEFT_OPEN = 0.1  # the share of orders not shipped the next day


def staff(rng: random.Random) -> str:
    return rng.choice(STAFF)


class Sales:
    """About 150 orders over the month; ``watched`` SKUs get exactly that many units ordered (the
    stalled trackers' figures)."""

    def __init__(
        self,
        db: Database,
        scope: Scope,
        rng: random.Random,
        skus: list[str],
        watched: dict[str, int],
        feeds: dict[str, list[str]],
    ):
        self.db, self.scope, self.rng = db, scope, rng
        self.popular = skus[:40]
        self.feeds = feeds  # channel → the locations it sells from
        self.wanted = list(watched.items())
        self.to_ship: list[int] = []
        self.placed = 0

    def day(self, day: int, midnight: datetime, after: datetime) -> None:
        """Day ``day`` of the month (0 = 30 days ago): take its orders, ship the day before's — all
        after ``after`` (the day's last movement)."""
        if day >= SALES_DAYS:
            return
        yesterdays, self.to_ship = self.to_ship, []
        opens = max(midnight + timedelta(hours=10), after + timedelta(minutes=1))
        for n, (channel, cmd) in enumerate(self._orders(day)):
            actor = staff(self.rng) if channel == "pos" else f"sync:{channel}"
            with clock_at(opens + timedelta(minutes=9 * n)):
                try:
                    answer = place_order_alone(self.db, replace(self.scope, actor=actor), cmd)
                except TruecountError:
                    continue
            self.placed += 1
            self.to_ship.append(answer.id)
        ships = max(midnight + timedelta(hours=17), opens + timedelta(hours=3))
        m = self.scope.merchant_id
        with self.db.write() as conn, availability.batched(conn, m):  # the day's shipping: one transaction
            for n, order_id in enumerate(yesterdays):
                if self.rng.random() < LEFT_OPEN:
                    continue
                with clock_at(ships + timedelta(minutes=4 * n)):
                    try:
                        with conn.begin_nested():
                            apply_change_without_answer(
                                conn, replace(self.scope, actor=staff(self.rng)), "fulfil", order_id, None
                            )
                    except TruecountError:
                        continue

    def _in_stock(self) -> dict[str, list[str]]:
        """Per channel, the popular SKUs with a few units free where it sells from: what its
        customers find on offer (two orders of a day may still take the last units: an oversell)."""
        sl = stock_levels.c
        roots = [r for feed in self.feeds.values() for r in feed]
        free: dict[str, dict[str, int]] = {}
        with self.db.read() as conn:
            for sku, code, units in conn.execute(
                select(variants.c.sku, locations.c.code, sl.on_hand - sl.booked)
                .join(variants, variants.c.id == sl.variant_id)
                .join(locations, locations.c.id == sl.location_id)
                .where(sl.merchant_id == self.scope.merchant_id, variants.c.sku.in_(self.popular))
            ):
                root = next((r for r in roots if code == r or code.startswith(r + "-")), "")
                free.setdefault(root, {}).setdefault(sku, 0)
                free[root][sku] += int(units)
        return {
            channel: sorted({sku for root in feed for sku, units in free.get(root, {}).items() if units >= 3})
            for channel, feed in self.feeds.items()
        }

    def _orders(self, day: int) -> list[tuple[str, PlaceOrder]]:
        out: list[tuple[str, PlaceOrder]] = []
        stocked = self._in_stock()
        for channel in CHANNELS:
            offered = stocked.get(channel) or self.popular
            for _ in range(self.rng.randint(0, 2)):
                lines = {self.rng.choice(offered): self.rng.randint(1, 2) for _ in range(self.rng.randint(1, 2))}
                if self.wanted and day in WATCHED_ON:
                    sku, units = self.wanted.pop()
                    lines[sku] = units
                reference = f"{channel.upper()}-{10_000 + self.placed + len(out) + 1}"
                out.append((channel, PlaceOrder(channel, reference, [OrderLineSpec(s, q) for s, q in lines.items()])))
        return out
