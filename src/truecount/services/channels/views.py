"""Channels as people set them up: locations by code in the channel's own order, types by code,
allocation, push policy, and the connector settings with secrets masked (read-only)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import JsonValue
from sqlalchemy import Connection, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations
from truecount.adapters.db.tables.channels import channel_inventory_types, channel_locations, channels
from truecount.domain.errors import NotFound

from ..common.scope import Scope
from .config import describe


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A channel as set up: kind, locations (codes, in the order the channel was given them), inventory
    types (codes), allocation, push and its interval, the always-in-stock figure, and its connection
    (``connected``, the connector settings with secrets masked)."""

    code: str
    kind: str
    locations: list[str]
    inventory_types: list[str]
    allocation: str
    push: str
    push_interval_s: float
    always_in_stock: int
    connected: bool
    config: dict[str, JsonValue]


def channel_views(db: Database, scope: Scope) -> list[ChannelView]:
    """Every channel of the merchant, by code (see :func:`channel_view`)."""
    with db.read() as conn:
        codes = conn.execute(
            select(channels.c.code).where(channels.c.merchant_id == scope.merchant_id).order_by(channels.c.code)
        ).scalars()
        return [_view(conn, scope.merchant_id, str(code)) for code in list(codes)]


def channel_view(db: Database, scope: Scope, code: str) -> ChannelView:
    """One channel (see :class:`ChannelView`)."""
    with db.read() as conn:
        return _view(conn, scope.merchant_id, code)


def _view(conn: Connection, m: int, code: str) -> ChannelView:
    row = conn.execute(select(channels).where(channels.c.merchant_id == m, channels.c.code == code)).first()
    if row is None:
        raise NotFound(f"no channel {code!r}", field="channel")
    feeding = conn.execute(
        select(locations.c.code)
        .join(channel_locations, channel_locations.c.location_id == locations.c.id)
        .where(channel_locations.c.channel_id == row.id)
        .order_by(channel_locations.c.position, locations.c.priority, locations.c.code)
    ).scalars()
    types = conn.execute(
        select(inventory_types.c.code)
        .join(channel_inventory_types, channel_inventory_types.c.inventory_type_id == inventory_types.c.id)
        .where(channel_inventory_types.c.channel_id == row.id)
        .order_by(inventory_types.c.code)
    ).scalars()
    connection = describe(row.code, row.kind, json.loads(row.config or "{}"))
    return ChannelView(
        code=row.code,
        kind=row.kind,
        locations=[str(c) for c in feeding],
        inventory_types=[str(t) for t in types],
        allocation=row.allocation,
        push=row.push_policy,
        push_interval_s=float(row.push_interval_s),
        always_in_stock=int(row.always_in_stock),
        connected=connection.connected,
        config=connection.config,
    )
