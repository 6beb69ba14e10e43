"""Channels: kind, the locations that feed them, the types they sell, allocation and push policy."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from pydantic import JsonValue
from sqlalchemy import Connection, bindparam, delete, insert, select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import inventory_types, locations
from truecount.adapters.db.tables.channels import channel_inventory_types, channel_locations, channels
from truecount.domain.booking.sources import RULES, fulfilment_order
from truecount.domain.commands import CreateChannel
from truecount.domain.errors import AlreadyExists, InvalidInput, NotFound
from truecount.services.channels.secrets import masked, seal_config
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import inventory_type_id, location_id
from truecount.services.common.scope import Scope, db_time, utcnow

KINDS = ("shopify", "amazon", "ebay", "woocommerce", "pos", "manual")
ALLOCATIONS = RULES  # the supplier choice rules (domain.booking.sources)
PUSH_POLICIES = ("immediate", "interval")


@dataclass(frozen=True)
class Channel:
    """A channel as the services use it. ``location_ids`` are in fulfilment order
    (:func:`domain.booking.sources.fulfilment_order`: location priority, then the channel's own order)."""

    id: int
    code: str
    kind: str
    allocation: str
    push: str
    push_interval_s: float
    always_in_stock: int
    location_ids: list[int]
    inventory_type_ids: list[int]
    config: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChannelCreated:
    """A channel as :func:`create_channel` made it: the command's settings, the codes of the inventory
    types it sells, the connector settings with secrets masked; ``replayed``: the key's first answer again."""

    id: int
    code: str
    kind: str
    locations: list[str]
    inventory_types: list[str]
    allocation: str
    push: str
    push_interval_s: float
    always_in_stock: int
    config: dict[str, JsonValue]
    replayed: bool = False


def create_channel(db: Database, scope: Scope, cmd: CreateChannel, key: str | None = None) -> ChannelCreated:
    """Create a channel fed by ``cmd.locations`` (in that order), selling ``cmd.inventory_types``."""
    validate_channel(cmd)
    with db.write() as conn:
        payload = {"channel": asdict(cmd)}
        return run_once(conn, scope.merchant_id, key, payload, lambda: _create(conn, scope, cmd), ChannelCreated)


def validate_channel(cmd: CreateChannel) -> None:
    """Refuse a channel's set-up that cannot work, naming the field."""
    if not cmd.code or any(ch.isspace() for ch in cmd.code) or len(cmd.code) > 64:
        raise InvalidInput("is required: up to 64 characters, no spaces", field="code")
    if cmd.kind not in KINDS:
        raise InvalidInput(f"must be one of {', '.join(KINDS)}", field="kind")
    if cmd.allocation not in ALLOCATIONS:
        raise InvalidInput(f"must be one of {', '.join(ALLOCATIONS)}", field="allocation")
    if cmd.push not in PUSH_POLICIES:
        raise InvalidInput(f"must be one of {', '.join(PUSH_POLICIES)}", field="push")
    if not cmd.locations:
        raise InvalidInput("must name at least one location that feeds the channel", field="locations")
    if len(set(cmd.locations)) != len(cmd.locations):
        raise InvalidInput("lists a location twice", field="locations")
    if not 1 <= cmd.push_interval_s <= 86_400:
        raise InvalidInput("must be from 1 to 86400 seconds", field="push_interval_s")
    if isinstance(cmd.always_in_stock, bool) or not 0 <= cmd.always_in_stock <= 1_000_000:
        raise InvalidInput("must be from 0 to 1000000", field="always_in_stock")


def _create(conn: Connection, scope: Scope, cmd: CreateChannel) -> ChannelCreated:
    m = scope.merchant_id
    if conn.execute(select(channels.c.id).where(channels.c.merchant_id == m, channels.c.code == cmd.code)).first():
        raise AlreadyExists(f"channel {cmd.code!r} already exists", field="code")
    loc_ids = [location_id(conn, m, code, field=f"locations[{i}]") for i, code in enumerate(cmd.locations)]
    type_ids = _type_ids(conn, m, cmd.inventory_types)
    pk = conn.execute(
        insert(channels).values(
            merchant_id=m,
            code=cmd.code,
            kind=cmd.kind,
            allocation=cmd.allocation,
            push_policy=cmd.push,
            push_interval_s=cmd.push_interval_s,
            always_in_stock=cmd.always_in_stock,
            config=json.dumps(seal_config(cmd.config), sort_keys=True),
            active=True,
            created_at=db_time(utcnow()),
        )
    ).inserted_primary_key
    assert pk is not None
    channel_id = int(pk[0])
    set_channel_sources(conn, m, channel_id, loc_ids, type_ids)
    return ChannelCreated(
        channel_id, cmd.code, cmd.kind, list(cmd.locations), _type_codes(conn, type_ids), cmd.allocation, cmd.push,
        cmd.push_interval_s, cmd.always_in_stock, masked(cmd.config),
    )  # fmt: skip


def set_channel_sources(conn: Connection, m: int, channel_id: int, loc_ids: list[int], type_ids: list[int]) -> None:
    """Replace the locations and inventory types feeding a channel."""
    conn.execute(delete(channel_locations).where(channel_locations.c.channel_id == channel_id))
    conn.execute(delete(channel_inventory_types).where(channel_inventory_types.c.channel_id == channel_id))
    for position, loc in enumerate(loc_ids):
        conn.execute(
            insert(channel_locations).values(merchant_id=m, channel_id=channel_id, location_id=loc, position=position)
        )
    for type_id in type_ids:
        conn.execute(
            insert(channel_inventory_types).values(merchant_id=m, channel_id=channel_id, inventory_type_id=type_id)
        )


def _type_ids(conn: Connection, m: int, codes: list[str] | None) -> list[int]:
    if codes is None:
        return [
            int(i)
            for i in conn.execute(
                select(inventory_types.c.id).where(inventory_types.c.merchant_id == m, inventory_types.c.sellable)
            ).scalars()
        ]
    if not codes:
        raise InvalidInput("must name at least one inventory type (or be left out)", field="inventory_types")
    return [inventory_type_id(conn, m, code, field=f"inventory_types[{i}]") for i, code in enumerate(codes)]


def _type_codes(conn: Connection, type_ids: list[int]) -> list[str]:
    if not type_ids:
        return []
    rows = conn.execute(
        select(inventory_types.c.code).where(inventory_types.c.id.in_(type_ids)).order_by(inventory_types.c.code)
    )
    return [str(code) for code in rows.scalars()]


def load_channel(conn: Connection, m: int, code: str, *, field: str = "channel") -> Channel:
    """The channel with this code, its locations in fulfilment order (priority, then the channel's order)."""
    return load_channel_sites(conn, m, code, field=field)[0]


@dataclass(frozen=True)
class Site:
    """One of the merchant's locations, as a channel sees it (``feeds``: the channel lists it)."""

    id: int
    code: str
    kind: str
    parent_id: int | None
    saleable: bool
    feeds: bool


def load_channel_sites(
    conn: Connection, m: int, code: str, *, field: str = "channel"
) -> tuple[Channel, list[Site], dict[int, str]]:
    """The channel, every location of the merchant (in priority order, then code) and the codes of
    the channel's inventory types, in two statements (the booking path needs all three)."""
    rows = conn.execute(_CHANNEL, {"m": m, "code": code}).all()
    if not rows:
        raise NotFound(f"no channel {code!r}", field=field)
    row = rows[0]
    types = {int(r.type_id): str(r.type_code) for r in rows if r.type_id is not None}
    found = conn.execute(_SITES, {"m": m, "channel_id": row.id}).all()
    sites = [
        Site(int(i), str(c), str(k), int(p) if p is not None else None, bool(s), f is not None)
        for i, c, k, p, s, f, *_ in found
    ]
    feeding = [(int(r[0]), int(r[6]), int(r[7] or 0), str(r[1])) for r in found if r[5] is not None]
    channel = Channel(
        id=int(row.id),
        code=row.code,
        kind=row.kind,
        allocation=row.allocation,
        push=row.push_policy,
        push_interval_s=float(row.push_interval_s),
        always_in_stock=int(row.always_in_stock),
        location_ids=fulfilment_order(feeding),
        inventory_type_ids=list(types),
        config=json.loads(row.config),
    )
    return channel, sites, types


_CHANNEL = (
    select(channels, inventory_types.c.id.label("type_id"), inventory_types.c.code.label("type_code"))
    .outerjoin(channel_inventory_types, channel_inventory_types.c.channel_id == channels.c.id)
    .outerjoin(inventory_types, inventory_types.c.id == channel_inventory_types.c.inventory_type_id)
    .where(channels.c.merchant_id == bindparam("m"), channels.c.code == bindparam("code"))
    .order_by(inventory_types.c.id)
)
_SITES = (
    select(
        locations.c.id,
        locations.c.code,
        locations.c.kind,
        locations.c.parent_id,
        locations.c.saleable,
        channel_locations.c.channel_id,
        locations.c.priority,
        channel_locations.c.position,
    )
    .outerjoin(
        channel_locations,
        (channel_locations.c.location_id == locations.c.id)
        & (channel_locations.c.channel_id == bindparam("channel_id")),
    )
    .where(locations.c.merchant_id == bindparam("m"))
    .order_by(locations.c.priority, locations.c.code)
)


def list_channels(db: Database, scope: Scope) -> list[Channel]:
    """Every channel of the merchant by code, secrets masked in their settings."""
    with db.read() as conn:
        codes = conn.execute(
            select(channels.c.code).where(channels.c.merchant_id == scope.merchant_id).order_by(channels.c.code)
        ).scalars()
        found = [load_channel(conn, scope.merchant_id, code) for code in list(codes)]
    return [replace(channel, config=masked(channel.config)) for channel in found]
