"""Change which locations feed a channel and which inventory types it sells; the channel's every
listing is recomputed in the same transaction."""

from __future__ import annotations

from typing import Any

from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput
from truecount.services.channels.setup import _type_ids, load_channel, set_channel_sources
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import location_id
from truecount.services.common.scope import Scope
from truecount.services.offers import recompute as offer_service


def set_channel_locations(
    db: Database,
    scope: Scope,
    code: str,
    locations: list[str],
    inventory_types: list[str] | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """Replace the channel's feeding locations (and, when given, its inventory types)."""
    if not locations:
        raise InvalidInput("must name at least one location that feeds the channel", field="locations")
    if len(set(locations)) != len(locations):
        raise InvalidInput("lists a location twice", field="locations")
    m = scope.merchant_id
    payload = {"channel": code, "locations": locations, "inventory_types": inventory_types}
    with db.write() as conn:

        def act() -> dict[str, Any]:
            channel = load_channel(conn, m, code)
            loc_ids = [location_id(conn, m, c, field=f"locations[{i}]") for i, c in enumerate(locations)]
            type_ids = channel.inventory_type_ids if inventory_types is None else _type_ids(conn, m, inventory_types)
            set_channel_sources(conn, m, channel.id, loc_ids, type_ids)
            changed = offer_service.recompute_channel(conn, m, channel.id)
            return {"channel": code, "locations": locations, "listings_changed": changed}

        return run_once(conn, m, key, payload, act)
