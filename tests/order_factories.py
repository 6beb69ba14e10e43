"""Factories for orders tests: a shop with channels, and short ways to place and change orders."""

from __future__ import annotations

from typing import Any

from tests import factories as f
from truecount.adapters.db.engine import Database
from truecount.domain.commands import CreateChannel, LineChange, OrderLineSpec, PlaceOrder
from truecount.services.channels.setup import create_channel
from truecount.services.common.scope import Scope
from truecount.services.orders.fulfilment import change_order
from truecount.services.orders.place import place_order
from truecount.services.orders.results import Order


def shop(db: Database, scope: Scope, *skus: str) -> Scope:
    """WH1 (priority 1) with bin WH1-A, WH2 (priority 2), SHOP (not for sale); channel ``web`` fed by all three."""
    f.location(db, scope, "WH1", priority=1)
    f.location(db, scope, "WH1-A", parent="WH1", priority=1)
    f.location(db, scope, "WH2", priority=2)
    f.location(db, scope, "SHOP", kind="store", saleable=False, priority=0)
    for sku in skus or ("TEE",):
        f.variant(db, scope, sku)
    channel(db, scope, "web", ["WH1", "WH2", "SHOP"])
    return scope


def channel(db: Database, scope: Scope, code: str, locations: list[str], **kwargs: Any) -> str:
    create_channel(
        db, scope, CreateChannel(code=code, kind=kwargs.pop("kind", "manual"), locations=locations, **kwargs)
    )
    return code


def order(
    db: Database,
    scope: Scope,
    external_id: str,
    *lines: tuple[str, int],
    channel: str = "web",
    strict: bool = False,
    key: str | None = None,
) -> Order:
    specs = [OrderLineSpec(sku, q) for sku, q in lines]
    return place_order(db, scope, PlaceOrder(channel, external_id, specs, strict), key)


def change(db: Database, scope: Scope, act: str, order_id: int, *lines: tuple[Any, ...]) -> Order:
    changes = [LineChange(*line) for line in lines] if lines else None
    return change_order(db, scope, act, order_id, changes)


def booked_at(result: Order, line: int = 0) -> list[tuple[str, int]]:
    return [(b.location, b.open) for b in result.lines[line].bookings if b.open]
