"""Change which locations feed a channel and which inventory types it sells; the channel's every
listing is recomputed in the same transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.channels import channels
from truecount.domain.commands import CreateChannel, EditChannel
from truecount.domain.errors import InvalidInput
from truecount.services.channels.setup import _type_ids, load_channel, set_channel_sources, validate_channel
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_id
from truecount.services.common.scope import Scope
from truecount.services.offers import recompute as offer_service


@dataclass(frozen=True, slots=True)
class SourcesSet:
    """A channel's feeding locations replaced; ``listings_changed``: how many offers changed."""

    channel: str
    locations: list[str]
    listings_changed: int
    replayed: bool = False


def set_channel_locations(
    db: Database,
    scope: Scope,
    code: str,
    locations: list[str],
    inventory_types: list[str] | None = None,
    key: str | None = None,
) -> SourcesSet:
    """Replace the channel's feeding locations (and, when given, its inventory types)."""
    if not locations:
        raise InvalidInput("must name at least one location that feeds the channel", field="locations")
    if len(set(locations)) != len(locations):
        raise InvalidInput("lists a location twice", field="locations")
    m = scope.merchant_id
    payload = {"channel": code, "locations": locations, "inventory_types": inventory_types}
    with db.write() as conn:

        def act() -> SourcesSet:
            channel = load_channel(conn, m, code)
            loc_ids = [location_id(conn, m, c, field=f"locations[{i}]") for i, c in enumerate(locations)]
            type_ids = channel.inventory_type_ids if inventory_types is None else _type_ids(conn, m, inventory_types)
            set_channel_sources(conn, m, channel.id, loc_ids, type_ids)
            changed = offer_service.recompute_channel(conn, m, channel.id)
            return SourcesSet(code, locations, changed)

        return run_once(conn, m, key, payload, act, SourcesSet)


@dataclass(frozen=True)
class ChannelEdited(EditChannel):
    """A channel's set-up as :func:`edit_channel` saved it; ``listings_changed``: how many offers changed."""

    listings_changed: int = 0
    replayed: bool = False


def edit_channel(db: Database, scope: Scope, cmd: EditChannel, key: str | None = None) -> ChannelEdited:
    """Change what feeds a channel, what it sells, how it allocates and pushes; its listings are
    recomputed in the same transaction (what it is offered may change)."""
    validate_channel(
        CreateChannel(
            cmd.code, "manual", cmd.locations, cmd.inventory_types, cmd.allocation, cmd.push,
            cmd.push_interval_s, cmd.always_in_stock,
        )
    )  # fmt: skip
    m = scope.merchant_id
    with db.write() as conn:

        def act() -> ChannelEdited:
            channel = load_channel(conn, m, cmd.code)
            loc_ids = [location_id(conn, m, c, field=f"locations[{i}]") for i, c in enumerate(cmd.locations)]
            type_ids = _type_ids(conn, m, cmd.inventory_types)
            conn.execute(
                update(channels)
                .where(channels.c.id == channel.id)
                .values(
                    allocation=cmd.allocation,
                    push_policy=cmd.push,
                    push_interval_s=cmd.push_interval_s,
                    always_in_stock=cmd.always_in_stock,
                )
            )
            set_channel_sources(conn, m, channel.id, loc_ids, type_ids)
            changed = offer_service.recompute_channel(conn, m, channel.id)
            return ChannelEdited(**asdict(cmd), listings_changed=changed)

        return run_once(conn, m, key, {"edit_channel": asdict(cmd)}, act, ChannelEdited)
