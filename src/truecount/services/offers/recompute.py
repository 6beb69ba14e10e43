"""What each channel is offered (SPEC §4), kept current incrementally (SPEC §5).

- :func:`compute` applies the domain rules to the facts of a set of variants on some channels.
- :func:`on_availability_changed` (subscribed to :mod:`availability`, which reads for it which
  listings show a changed variant or a bundle containing one) recomputes them, inside the
  movement's transaction, stores each offered quantity that changed with the time it changed,
  and queues a push.
- :func:`recompute_listings` does the same for chosen listings (rules, channel sources, new
  listings); :func:`recompute_all` for a merchant's every listing (nightly, after imports).
- :func:`quantities` answers "what would this channel be offered" for the whole catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from truecount.adapters.db.any_of import any_of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import bundle_components, variants
from truecount.adapters.db.tables.channels import channels
from truecount.adapters.db.tables.offers import listings, offers
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.domain.offers import ComponentOffer, Offer, PoolLine, VariantFacts, describe, offer
from truecount.services.channels.setup import Channel, load_channel
from truecount.services.common import availability
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.offers.facts import CHUNK, Facts, chunks, load_facts
from truecount.services.sync import push_queue

Key = tuple[int, int]  # (channel id, variant id)


def today() -> date:
    return utcnow().date()


def compute(facts: Facts, channel: Channel, variant_ids: Iterable[int], day: date) -> dict[int, Offer]:
    """The offer to ``channel`` of each variant (facts must hold them and their components)."""
    feed = facts.tree.feeding(channel.location_ids)
    types = set(channel.inventory_type_ids)
    memo: dict[int, Offer] = {}

    def lines_at(vid: int, where: set[int]) -> list[PoolLine]:
        return [
            PoolLine(
                facts.tree.codes[lv.location_id],
                facts.type_codes.get(lv.inventory_type_id, "?"),
                lv.on_hand,
                lv.booked,
                lv.expired,
            )
            for lv in facts.levels.get(vid, [])
            if lv.location_id in where and lv.inventory_type_id in types
        ]

    def one(vid: int) -> Offer:
        found = memo.get(vid)
        if found is not None:
            return found
        v = facts.variants[vid]
        rule = facts.rules.get((channel.id, vid))
        parts = None
        if v.is_bundle:
            parts = [
                ComponentOffer(facts.variants[cid].sku, qty, one(cid)) for cid, qty in facts.components.get(vid, [])
            ]
        named = None
        if rule is not None and rule.location is not None:
            named = lines_at(vid, facts.tree.feeding([facts.tree.by_code[rule.location]]))
        flags = VariantFacts(v.tracked, v.discontinued, v.sellable_from, facts.booked_open.get(vid, 0))
        found = offer(
            lines_at(vid, feed),
            rule,
            flags,
            today=day,
            always_in_stock=channel.always_in_stock,
            components=parts,
            location_lines=named,
        )
        memo[vid] = found
        return found

    return {vid: one(vid) for vid in variant_ids}


def _channels_by_id(conn: Connection, m: int, ids: Iterable[int]) -> dict[int, Channel]:
    rows = conn.execute(
        select(channels.c.id, channels.c.code).where(channels.c.merchant_id == m, channels.c.id.in_(sorted(set(ids))))
    )
    return {int(i): load_channel(conn, m, str(code)) for i, code in rows}


def recompute_listings(conn: Connection, m: int, listed: dict[Key, int]) -> int:
    """Recompute and store the offers of these listings ((channel, variant) → listing id), in the
    caller's transaction; queue a push for each whose quantity changed. Returns how many changed."""
    if not listed:
        return 0
    _lock(conn, m, listed.values())
    day = today()
    by_channel: dict[int, list[int]] = {}
    for ch, vid in listed:
        by_channel.setdefault(ch, []).append(vid)
    found = _channels_by_id(conn, m, by_channel)
    facts = load_facts(conn, m, {vid for _, vid in listed}, by_channel, day)
    computed: dict[Key, Offer] = {}
    for ch, vids in by_channel.items():
        for vid, result in compute(facts, found[ch], vids, day).items():
            computed[(ch, vid)] = result
    return _store(conn, m, computed, listed)


def _lock(conn: Connection, m: int, listing_ids: Iterable[int]) -> None:
    """Lock the listings (in id order) before reading the facts. Two transactions moving two
    components of one bundle would otherwise each compute the bundle without the other's change
    (PostgreSQL, READ COMMITTED) and the last to commit would store a stale figure; with the lock
    the second waits, then reads the first's committed levels. SQLite serialises writers anyway."""
    for part in chunks(listing_ids):
        conn.execute(
            select(listings.c.id)
            .where(listings.c.merchant_id == m, listings.c.id.in_(part))
            .order_by(listings.c.id)
            .with_for_update()
        ).all()


_UPDATE = (
    update(offers)
    .where(
        offers.c.merchant_id == bindparam("m"),
        offers.c.channel_id == bindparam("ch"),
        offers.c.variant_id == bindparam("vid"),
    )
    .values(quantity=bindparam("q"), explain=bindparam("ex"), changed_at=bindparam("at"), listing_id=bindparam("lid"))
)


def _store(conn: Connection, m: int, computed: dict[Key, Offer], listed: dict[Key, int]) -> int:
    stored: dict[Key, tuple[int, int]] = {}
    channel_ids = sorted({ch for ch, _ in listed})
    for part in chunks({vid for _, vid in listed}):
        rows = conn.execute(
            select(offers.c.channel_id, offers.c.variant_id, offers.c.quantity, offers.c.listing_id).where(
                offers.c.merchant_id == m, offers.c.channel_id.in_(channel_ids), offers.c.variant_id.in_(part)
            )
        )
        stored.update({(int(ch), int(vid)): (int(q), int(lid)) for ch, vid, q, lid in rows})
    at = db_time(utcnow())
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    pushes: list[tuple[int, int]] = []
    for key, listing_id in listed.items():
        result = computed[key]
        before = stored.get(key)
        if before == (result.quantity, listing_id):
            continue
        explain = json.dumps(result.explain(), default=str)
        row = {"ch": key[0], "vid": key[1], "q": result.quantity, "ex": explain, "at": at, "lid": listing_id}
        (inserts if before is None else updates).append(row)
        pushes.append((listing_id, result.quantity))
    if inserts:
        conn.execute(
            insert(offers),
            [
                {
                    "merchant_id": m,
                    "channel_id": r["ch"],
                    "variant_id": r["vid"],
                    "listing_id": r["lid"],
                    "quantity": r["q"],
                    "explain": r["ex"],
                    "changed_at": r["at"],
                }
                for r in inserts
            ],
        )
    if updates:
        conn.execute(_UPDATE, [{"m": m, **r} for r in updates])
    for start in range(0, len(pushes), CHUNK):
        push_queue.queue_pushes(conn, m, pushes[start : start + CHUNK])
    return len(pushes)


def bundles_containing(conn: Connection, m: int, variant_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(variant_ids):
        found.update(
            int(b)
            for b in conn.execute(
                select(bundle_components.c.bundle_id).where(
                    bundle_components.c.merchant_id == m, bundle_components.c.component_id.in_(part)
                )
            ).scalars()
        )
    return found


def listings_of(conn: Connection, m: int, variant_ids: Iterable[int], channel_id: int | None = None) -> dict[Key, int]:
    found: dict[Key, int] = {}
    for part in chunks(variant_ids):
        query = select(listings.c.channel_id, listings.c.variant_id, listings.c.id).where(
            listings.c.merchant_id == m, listings.c.variant_id.in_(part)
        )
        if channel_id is not None:
            query = query.where(listings.c.channel_id == channel_id)
        found.update({(int(ch), int(vid)): int(lid) for ch, vid, lid in conn.execute(query)})
    return found


_bc = bundle_components.c
_AFFECTED = select(listings.c.channel_id, listings.c.variant_id, listings.c.id).where(
    listings.c.merchant_id == bindparam("m"),
    or_(
        any_of(listings.c.variant_id, "vids"),
        listings.c.variant_id.in_(
            select(_bc.bundle_id).where(_bc.merchant_id == bindparam("m"), any_of(_bc.component_id, "vids"))
        ),
    ),
)


def affected_listings(conn: Connection, m: int, variant_ids: Iterable[int]) -> dict[Key, int]:
    """The listings of these variants and of every bundle containing one of them, one statement per chunk
    sent together (the availability listener gets the same rows from the seam: :func:`_affected_reads`)."""
    return _listed([row for part in fetch_together(conn, _affected_reads(m, variant_ids)) for row in part])


def _affected_reads(m: int, variant_ids: Iterable[int]) -> list[Statement]:
    return [(_AFFECTED, {"m": m, "vids": part}) for part in chunks(variant_ids)]


def _listed(rows: Rows) -> dict[Key, int]:
    return {(int(ch), int(vid)): int(lid) for ch, vid, lid in rows}


def recompute_variants(conn: Connection, m: int, variant_ids: set[int], channel_id: int | None = None) -> int:
    """Recompute every listing of these variants and of every bundle containing one of them."""
    if channel_id is None:
        return recompute_listings(conn, m, affected_listings(conn, m, variant_ids))
    affected = set(variant_ids) | bundles_containing(conn, m, variant_ids)
    return recompute_listings(conn, m, listings_of(conn, m, affected, channel_id))


def on_availability_changed(conn: Connection, merchant_id: int, variant_ids: set[int], affected: Rows) -> None:
    """The availability listener: ``affected`` are the rows of :data:`_AFFECTED` (read by the seam)."""
    recompute_listings(conn, merchant_id, _listed(affected))


LISTENER = availability.Reading(_affected_reads, on_availability_changed)
"""Wired after the backorders (:func:`truecount.services.bootstrap.wire`): offers follow the stock."""


def recompute_channel(conn: Connection, m: int, channel_id: int) -> int:
    """Recompute every listing of one channel (its locations or types changed)."""
    listed = {
        (int(ch), int(vid)): int(lid)
        for ch, vid, lid in conn.execute(
            select(listings.c.channel_id, listings.c.variant_id, listings.c.id).where(
                listings.c.merchant_id == m, listings.c.channel_id == channel_id
            )
        )
    }
    changed = 0
    keys = sorted(listed, key=lambda k: k[1])
    for start in range(0, len(keys), CHUNK):
        changed += recompute_listings(conn, m, {k: listed[k] for k in keys[start : start + CHUNK]})
    return changed


def recompute_all(db: Database, scope: Scope, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Recompute every listing of the merchant, a chunk of variants per transaction."""
    m = scope.merchant_id
    with db.read() as conn:
        ids = sorted(
            {int(v) for v in conn.execute(select(listings.c.variant_id).where(listings.c.merchant_id == m)).scalars()}
        )
    changed = done = seen = 0
    for part in chunks(ids):
        with db.write() as conn:
            listed = listings_of(conn, m, part)
            done += len(listed)
            changed += recompute_listings(conn, m, listed)
        seen += len(part)
        if progress:
            progress(seen, len(ids))
    return {"listings": done, "changed": changed}


def quantities(
    db: Database, scope: Scope, channel_code: str, sku: str | None = None, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """What the channel would be offered for every variant of the catalogue (or one SKU), by SKU,
    with the explanation and, when one is linked, the listing. ``limit``/``offset`` page it."""
    m = scope.merchant_id
    with db.read() as conn:
        channel = load_channel(conn, m, channel_code)
        query = select(variants.c.id).where(variants.c.merchant_id == m).order_by(variants.c.sku)
        if sku is not None:
            from truecount.services.common.lookups import variant_id

            query = query.where(variants.c.id == variant_id(conn, m, sku))
        if limit is not None:
            query = query.limit(limit).offset(offset)
        ids = [int(v) for v in conn.execute(query).scalars()]
        linked = {
            int(vid): {"id": int(lid), "external_ref": ref}
            for vid, lid, ref in conn.execute(
                select(listings.c.variant_id, listings.c.id, listings.c.external_ref).where(
                    listings.c.merchant_id == m, listings.c.channel_id == channel.id
                )
            )
        }
        out: list[dict[str, Any]] = []
        day = today()
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            facts = load_facts(conn, m, part, [channel.id], day)
            for vid, result in compute(facts, channel, part, day).items():
                row: dict[str, Any] = {
                    "sku": facts.variants[vid].sku,
                    "quantity": result.quantity,
                    "explain": result.explain(),
                }
                if vid in linked:
                    row["listing"] = linked[vid]
                out.append(row)
        return out


def offers_for_skus(db: Database, scope: Scope, skus: list[str]) -> dict[str, list[dict[str, Any]]]:
    """For the stock screen and the variant page: ``{sku: [{channel, quantity, explain, detail}]}``,
    one entry per channel by code; ``explain`` is the readable text, ``detail`` the structured
    explanation. Computed on read (the whole catalogue is not stored, only listings are)."""
    m = scope.merchant_id
    found: dict[str, list[dict[str, Any]]] = {}
    wanted = sorted(set(skus))
    if not wanted:
        return found
    with db.read() as conn:
        ids = [
            int(v)
            for v in conn.execute(
                select(variants.c.id).where(variants.c.merchant_id == m, variants.c.sku.in_(wanted))
            ).scalars()
        ]
        codes = [
            str(c)
            for c in conn.execute(
                select(channels.c.code).where(channels.c.merchant_id == m).order_by(channels.c.code)
            ).scalars()
        ]
        if not ids or not codes:
            return found
        every = [load_channel(conn, m, code) for code in codes]
        day = today()
        facts = load_facts(conn, m, ids, [ch.id for ch in every], day)
        for channel in every:
            for vid, result in compute(facts, channel, ids, day).items():
                detail = result.explain()
                found.setdefault(facts.variants[vid].sku, []).append(
                    {
                        "channel": channel.code,
                        "quantity": result.quantity,
                        "explain": describe(detail),
                        "detail": detail,
                    }
                )
    return found
