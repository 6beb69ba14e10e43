"""The statements of a recompute: what it reads besides the facts, and the one write of the offers.

- :func:`reads` — in one round trip with the facts (:func:`truecount.services.offers.facts.fact_reads`): the offers
  stored now (on PostgreSQL under their row locks, before any fact is read), the channels as the rules see
  them and the listings' terms (own steps, units per sale).
- :func:`write` — every changed offer and its queued push, whatever the number: ONE statement on
  PostgreSQL (the offers' upsert and the queue's writes from the same ``unnest`` arrays, each distinct
  explanation sent once); on SQLite (in-process: no round trips to save) prepared statements run for
  every row (``executemany``, the loop in C: half the CPU of one statement reading a JSON text with
  ``json_each``), an ``UPDATE`` for the offers stored and an upsert for the new ones.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Connection, String, bindparam, case, cast, func, select

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.bulk import driver_time
from truecount.adapters.db.packed import int4s, int8s, texts
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.channels import channel_inventory_types, channel_locations, channels
from truecount.adapters.db.tables.offers import listings, offers
from truecount.adapters.db.tables.suppliers import supplier_items
from truecount.adapters.db.together import Rows, Statement
from truecount.domain.costing import known_cost
from truecount.domain.listing_steps import check_steps
from truecount.domain.pricing import CENT, check_price_rule
from truecount.services.offers.compute import ListingTerms
from truecount.services.sync import push_queue

Key = tuple[int, int]  # (channel id, variant id)
Change = tuple[int, int, int, int, str, str | None]  # channel, variant, listing, quantity, explain (JSON), price
Listed = dict[int, Key]  # listing id → (channel id, variant id)


@dataclass(frozen=True)
class ChannelView:
    """A channel as the offer rules see it (:class:`truecount.services.offers.compute.Feeds`)."""

    id: int
    location_ids: list[int]
    inventory_type_ids: list[int]
    always_in_stock: int


_M: BindParameter[int] = bindparam("m")
# PostgreSQL: the stored offers read under their row locks, taken in listing order, so two recomputes
# never deadlock on each other (see docs/offers.md, Concurrency); SQLite serialises writers anyway.
# Driven from the ids (an index probe each: the generic plan of the prepared statement keeps it at
# any size). The offer rows are the ones the write then updates, so locking them costs no statement
# of its own (the listings' rows, locked before, were another 804 row locks and a statement).
_LOCKED_STORED_PG = """SELECT o.listing_id, o.quantity, o.price::text
FROM unnest(%(lids)b::bigint[]) AS u(id) JOIN offers AS o ON o.merchant_id = %(m)s AND o.listing_id = u.id
ORDER BY o.listing_id
FOR UPDATE OF o"""
_CHANNELS = select(channels.c.id, channels.c.always_in_stock).where(
    channels.c.merchant_id == _M, in_list(channels.c.id, "chs")
)
_FEEDS = select(channel_locations.c.channel_id, channel_locations.c.location_id).where(
    channel_locations.c.merchant_id == _M, in_list(channel_locations.c.channel_id, "chs")
)
_SELLS = select(channel_inventory_types.c.channel_id, channel_inventory_types.c.inventory_type_id).where(
    channel_inventory_types.c.merchant_id == _M, in_list(channel_inventory_types.c.channel_id, "chs")
)
_STORED = select(offers.c.listing_id, offers.c.quantity, cast(offers.c.price, String)).where(
    offers.c.merchant_id == _M, in_list(offers.c.listing_id, "lids")
)
_si = supplier_items.c
_QUOTED = (  # the cheapest of the variant's supplier items
    select(func.min(_si.unit_cost))
    .where(_si.merchant_id == listings.c.merchant_id, _si.variant_id == listings.c.variant_id)
    .scalar_subquery()
)
_OWN = (  # the variant's own unit cost
    select(variants.c.unit_cost).where(variants.c.id == listings.c.variant_id).scalar_subquery()
)
# Only listings with terms of their own: the rest (nearly all) offer their variant's figure as it is.
_TERMS = select(
    listings.c.id,
    listings.c.units_per_sale,
    listings.c.steps,
    listings.c.price_rule,
    cast(case((listings.c.price_rule.is_not(None), _OWN)), String),
    cast(case((listings.c.price_rule.is_not(None), _QUOTED)), String),
).where(
    listings.c.merchant_id == _M,
    in_list(listings.c.id, "lids"),
    (listings.c.units_per_sale != 1) | listings.c.steps.is_not(None) | listings.c.price_rule.is_not(None),
)


def reads(conn: Connection, m: int, listed: Listed) -> list[Statement]:
    """The stored offers (on PostgreSQL read under their locks, first), the channels and the listings' own
    terms."""
    lids = sorted(listed)
    params = {"m": m, "chs": sorted({ch for ch, _ in listed.values()}), "lids": lids}
    if conn.dialect.name == "postgresql":
        stored: Statement = (_LOCKED_STORED_PG, {"m": m, "lids": int8s(lids)})
    else:
        stored = (_STORED, params)
    return [stored, (_CHANNELS, params), (_FEEDS, params), (_SELLS, params), (_TERMS, params)]


def channel_views(found: Iterable[tuple[Any, Any]], feeds: Rows, sells: Rows) -> dict[int, ChannelView]:
    """Each channel of ``found`` (its id and ``always_in_stock``) with the locations that feed it
    (``feeds``: channel, location) and the inventory types it sells (``sells``: channel, type)."""
    locations: dict[int, list[int]] = {}
    for ch, loc in feeds:
        locations.setdefault(int(ch), []).append(int(loc))
    types: dict[int, list[int]] = {}
    for ch, typ in sells:
        types.setdefault(int(ch), []).append(int(typ))
    return {
        int(ch): ChannelView(int(ch), locations.get(int(ch), []), types.get(int(ch), []), int(always))
        for ch, always in found
    }


def read_back(
    conn: Connection, rows: list[Rows]
) -> tuple[dict[int, ChannelView], dict[int, ListingTerms], dict[int, tuple[int, str | None]]]:
    """The channels, the listings' own terms (only those that have some) and the stored quantity and price
    of each listing, from the rows of :func:`reads`."""
    stored, found, feeds, sells, terms = rows
    views = channel_views(((ch, always) for ch, always in found), feeds, sells)
    own = {
        int(lid): terms_of(units, steps, rule, known_cost(_decimal(mine), _quoted(cheapest)))
        for lid, units, steps, rule, mine, cheapest in terms
    }
    return views, own, {int(lid): (int(q), money(p)) for lid, q, p in stored}


def money(value: Any) -> str | None:
    """A stored price as text with two decimals (None stays None)."""
    return None if value is None else f"{Decimal(str(value)).quantize(CENT):f}"


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _quoted(cheapest: Any) -> list[Decimal]:
    """The cheapest supplier quote as the known-cost rule reads quotes (none: an empty list)."""
    return [] if cheapest is None else [Decimal(str(cheapest))]


def terms_of(units_per_sale: Any, steps: Any, price_rule: Any = None, cost: Any = None) -> ListingTerms:
    """A listing's terms from its stored columns (``steps``, ``price_rule``: JSON, or NULL)."""
    own = None if steps is None else check_steps(json.loads(steps))
    rule = None if price_rule is None else check_price_rule(json.loads(price_rule))
    unit_cost = None if cost is None else Decimal(str(cost))
    return ListingTerms(own, int(units_per_sale or 1), rule, unit_cost)


def write(conn: Connection, m: int, changes: list[Change], at: datetime, stored: Container[int]) -> None:
    """Store every changed offer, at ``at``, and queue its push (``stored``: the listings that have an
    offer row now, read under their locks).

    PostgreSQL: ONE statement, whatever the number: the offers' upsert and the queue's writes
    (:func:`truecount.services.sync.push_queue.queue_rows_pg`) share the rows, sent as arrays, each
    distinct explanation once (alike channels store the same text; a bundle's is the same on every
    channel). SQLite: one prepared ``UPDATE`` run for the offers stored, one prepared insert for the
    new ones, then the queue (:func:`~truecount.services.sync.push_queue.queue_listing_pushes`)."""
    if not changes:
        return
    if conn.dialect.name == "postgresql":
        ch, vid, lid, q, ex, price = zip(*changes, strict=True)
        distinct: dict[str, int] = {}
        index = [distinct.setdefault(text, len(distinct) + 1) for text in ex]
        arrays = {"ch": int8s(ch), "vid": int8s(vid), "lid": int8s(lid), "q": int8s(q), "ei": int4s(index)}
        # No price at all (the common case): an empty array, which unnest pads with NULL for every row.
        arrays["p"] = texts([p or "" for p in price] if any(p is not None for p in price) else [])
        conn.exec_driver_sql(_WRITE_PG, {"m": m, "now": at, "ex": texts(list(distinct)), **arrays})
        push_queue.after_queued(conn)
        return
    stamp = driver_time(conn, at)
    updated = [(q, ex, stamp, price, m, lid) for _, _, lid, q, ex, price in changes if lid in stored]
    if updated:
        conn.exec_driver_sql(_UPDATE_SQLITE, updated)
    added = [(m, *change[:5], stamp, change[5]) for change in changes if change[2] not in stored]
    if added:
        conn.exec_driver_sql(_UPSERT_SQLITE, added)
    push_queue.queue_listing_pushes(conn, m, [(lid, ch, q) for ch, _, lid, q, _, _ in changes])


_SET = """ON CONFLICT (merchant_id, listing_id) DO UPDATE
SET quantity = excluded.quantity, explain = excluded.explain, changed_at = excluded.changed_at,
    price = excluded.price"""
_WRITE_PG = f"""WITH changed AS (
    SELECT u.ch, u.vid, u.lid, u.q, (%(ex)b::text[])[u.ei] AS ex, NULLIF(u.p, '')::numeric AS p
    FROM unnest(%(ch)b::bigint[], %(vid)b::bigint[], %(lid)b::bigint[], %(q)b::bigint[], %(ei)b::integer[],
                %(p)b::text[])
         AS u(ch, vid, lid, q, ei, p)
), written AS (
    INSERT INTO offers (merchant_id, channel_id, variant_id, listing_id, quantity, explain, changed_at, price)
    SELECT %(m)s, c.ch, c.vid, c.lid, c.q, c.ex, %(now)s, c.p FROM changed AS c
    {_SET}
), """ + push_queue.queue_rows_pg("changed")
_UPDATE_SQLITE = (
    "UPDATE offers SET quantity = ?, explain = ?, changed_at = ?, price = ? WHERE merchant_id = ? AND listing_id = ?"
)
_UPSERT_SQLITE = f"""
INSERT INTO offers (merchant_id, channel_id, variant_id, listing_id, quantity, explain, changed_at, price)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
{_SET}"""
