"""The demo's sales: orders from every channel and the staff who ship them, so the stock health
trackers show real health (turnover from what sold, stalled from what shipped).

Orders are booked through the same ``place_order`` as the API, with the channel as the actor
(``sync:shopify``…); most are then shipped by a member of staff through ``change_order``. The
booking service dates its movements when it runs, so the demo's orders are dated when the demo
loads (the month before it holds receipts, transfers, counts, returns and feeds).
"""

from __future__ import annotations

import random
from dataclasses import replace

from truecount.adapters.db.engine import Database
from truecount.domain.commands import OrderLineSpec, PlaceOrder
from truecount.domain.errors import TruecountError
from truecount.services.common.scope import Scope
from truecount.services.orders.fulfilment import change_order
from truecount.services.orders.place import place_order_alone

STAFF = ("user:maria", "user:tom", "user:aisha", "user:ben")
CHANNELS = ("shopify", "amazon", "ebay", "woocommerce", "pos")


def staff(rng: random.Random) -> str:
    return rng.choice(STAFF)


def sell(db: Database, scope: Scope, rng: random.Random, skus: list[str], watched: dict[str, int]) -> int:
    """About 150 orders over the channels; ``watched`` SKUs get exactly that many units ordered (the
    stalled trackers' figures). Most orders are shipped; the newest stay open. Returns orders placed."""
    popular = skus[:40]
    placed: list[int] = []
    n = 0
    wanted = list(watched.items())
    for day in range(30):
        for channel in CHANNELS:
            for _ in range(rng.randint(0, 2)):
                n += 1
                lines = {rng.choice(popular): rng.randint(1, 2) for _ in range(rng.randint(1, 2))}
                if wanted and day % 5 == 0:
                    sku, units = wanted.pop()
                    lines[sku] = units
                cmd = PlaceOrder(channel, f"{channel.upper()}-{10_000 + n}",
                                 [OrderLineSpec(sku, q) for sku, q in lines.items()])  # fmt: skip
                try:
                    answer = place_order_alone(db, replace(scope, actor=f"sync:{channel}"), cmd)
                except TruecountError:
                    continue
                placed.append(int(answer["id"]))
    for order_id in placed[: int(len(placed) * 0.85)]:
        try:
            change_order(db, replace(scope, actor=staff(rng)), "fulfil", order_id)
        except TruecountError:
            continue
    return len(placed)
