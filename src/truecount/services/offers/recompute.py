"""What each channel is offered, kept current incrementally.

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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import bundle_components, variants
from truecount.adapters.db.tables.offers import listings
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.services.channels.setup import load_channel
from truecount.services.common import availability
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.offers import shown
from truecount.services.offers import store as offer_store
from truecount.services.offers.compute import Offers, compute
from truecount.services.offers.facts import CHUNK, fact_reads, facts_from, load_facts
from truecount.services.offers.shown import ChannelOffer

Listed = offer_store.Listed  # listing id → (channel id, variant id)


def today() -> date:
    return utcnow().date()


def recompute_listings(conn: Connection, m: int, listed: Listed) -> int:
    """Recompute and store the offers of these listings (listing id → (channel, variant)), in the
    caller's transaction; queue a push for each whose quantity changed. Returns how many changed.

    Set-based, whatever the number: one round trip reads the stored offers (on PostgreSQL under their
    row locks, in listing order), every fact, the channels and the listings' own terms; the rules run once per distinct
    case (:class:`truecount.services.offers.compute.Offers`); one write stores the changed offers and
    queues their pushes (:func:`truecount.services.offers.store.write`: one statement on PostgreSQL).
    Listings whose figure did not change are not written."""
    if not listed:
        return 0
    day = today()
    facts_part = fact_reads(conn, m, {vid for _, vid in listed.values()}, {ch for ch, _ in listed.values()}, day)
    rows = fetch_together(conn, offer_store.reads(conn, m, listed) + facts_part)
    views, terms, stored = offer_store.read_back(conn, rows[: len(rows) - len(facts_part)])
    facts = facts_from(rows[len(rows) - len(facts_part) :])
    evaluated = Offers(facts, day)
    by_channel: dict[int, list[int]] = {}
    for ch, vid in listed.values():
        by_channel.setdefault(ch, []).append(vid)
    computed = {ch: evaluated.of(views[ch], vids) for ch, vids in by_channel.items()}
    changes: list[offer_store.Change] = []
    explained, before = evaluated.explained, stored.get
    for listing_id, (ch, vid) in listed.items():
        own = terms.get(listing_id)
        if own is None:  # nearly every listing: its variant's offer on the channel, no price
            result = computed[ch][vid]
            if before(listing_id) != (result.quantity, None):
                changes.append((ch, vid, listing_id, result.quantity, explained(result), None))
            continue
        result = evaluated.of_listing(views[ch], vid, own)
        priced = evaluated.priced(result, own)
        price = None if priced is None else offer_store.money(priced[0].price)
        if before(listing_id) != (result.quantity, price):
            explain = explained(result) if priced is None else priced[1]
            changes.append((ch, vid, listing_id, result.quantity, explain, price))
    offer_store.write(conn, m, changes, db_time(utcnow()), stored)
    return len(changes)


def bundles_containing(conn: Connection, m: int, variant_ids: Iterable[int]) -> set[int]:
    return {int(b) for b in conn.execute(_BUNDLES_OF, {"m": m, "ids": sorted(set(variant_ids))}).scalars()}


def listings_of(conn: Connection, m: int, variant_ids: Iterable[int], channel_id: int | None = None) -> Listed:
    ids = sorted(set(variant_ids))
    if channel_id is None:
        return _listed(conn.execute(_LISTINGS_OF, {"m": m, "ids": ids}).all())
    return _listed(conn.execute(_LISTINGS_OF_CHANNEL, {"m": m, "ids": ids, "ch": channel_id}).all())


_bc = bundle_components.c
_BUNDLES_OF = select(_bc.bundle_id).where(_bc.merchant_id == bindparam("m"), in_list(_bc.component_id, "ids"))
_LISTINGS_OF = select(listings.c.channel_id, listings.c.variant_id, listings.c.id).where(
    listings.c.merchant_id == bindparam("m"), in_list(listings.c.variant_id, "ids")
)
_LISTINGS_OF_CHANNEL = _LISTINGS_OF.where(listings.c.channel_id == bindparam("ch"))
_AFFECTED = select(listings.c.channel_id, listings.c.variant_id, listings.c.id).where(
    listings.c.merchant_id == bindparam("m"),
    or_(
        in_list(listings.c.variant_id, "vids"),
        listings.c.variant_id.in_(
            select(_bc.bundle_id).where(_bc.merchant_id == bindparam("m"), in_list(_bc.component_id, "vids"))
        ),
    ),
)


def affected_listings(conn: Connection, m: int, variant_ids: Iterable[int]) -> Listed:
    """The listings of these variants and of every bundle containing one of them, in one statement
    (the availability listener gets the same rows from the seam: :func:`_affected_reads`)."""
    return _listed([row for part in fetch_together(conn, _affected_reads(m, variant_ids)) for row in part])


def _affected_reads(m: int, variant_ids: Iterable[int]) -> list[Statement]:
    return [(_AFFECTED, {"m": m, "vids": sorted(set(variant_ids))})]


def _listed(rows: Iterable[Sequence[Any]]) -> Listed:
    return {int(lid): (int(ch), int(vid)) for ch, vid, lid in rows}


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
    listed = _listed(conn.execute(_OF_CHANNEL, {"m": m, "ch": channel_id}).all())
    return recompute_listings(conn, m, listed)


_OF_CHANNEL = select(listings.c.channel_id, listings.c.variant_id, listings.c.id).where(
    listings.c.merchant_id == bindparam("m"), listings.c.channel_id == bindparam("ch")
)
_OF_MERCHANT = (
    select(listings.c.channel_id, listings.c.variant_id, listings.c.id)
    .where(listings.c.merchant_id == bindparam("m"))
    .order_by(listings.c.variant_id, listings.c.channel_id)
)


def recompute_all(db: Database, scope: Scope, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Recompute every listing of the merchant, :data:`ALL_CHUNK` variants' listings per transaction."""
    m = scope.merchant_id
    with db.read() as conn:
        rows = conn.execute(_OF_MERCHANT, {"m": m}).all()
    by_variant: dict[int, Listed] = {}
    for ch, vid, lid in rows:
        by_variant.setdefault(int(vid), {})[int(lid)] = (int(ch), int(vid))
    ids = list(by_variant)
    changed = 0
    for start in range(0, len(ids), ALL_CHUNK):
        part = ids[start : start + ALL_CHUNK]
        with db.write() as conn:
            changed += recompute_listings(conn, m, {k: v for vid in part for k, v in by_variant[vid].items()})
        if progress:
            progress(start + len(part), len(ids))
    return {"listings": len(rows), "changed": changed}


ALL_CHUNK = 5000  # variants per transaction of a full recompute (their listings on every channel)


@dataclass(frozen=True, slots=True)
class ListingLink:
    """The listing a variant is linked to on a channel."""

    id: int
    external_ref: str


@dataclass(frozen=True, slots=True)
class Offered:
    """What a channel would be offered for a variant, with the explanation (pool by location and type,
    the rule, each step, the result) and, when one is linked, the listing."""

    sku: str
    quantity: int
    explain: dict[str, Any]
    listing: ListingLink | None = None


def quantities(
    db: Database, scope: Scope, channel_code: str, sku: str | None = None, *, limit: int | None = None, offset: int = 0
) -> list[Offered]:
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
        linked: dict[int, ListingLink] = {}  # a variant listed several times: its first listing
        for vid, lid, ref in conn.execute(
            select(listings.c.variant_id, listings.c.id, listings.c.external_ref)
            .where(listings.c.merchant_id == m, listings.c.channel_id == channel.id)
            .order_by(listings.c.id)
        ):
            linked.setdefault(int(vid), ListingLink(int(lid), str(ref)))
        out: list[Offered] = []
        day = today()
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            facts = load_facts(conn, m, part, [channel.id], day)
            for vid, result in compute(facts, channel, part, day).items():
                out.append(Offered(facts.variants[vid].sku, result.quantity, result.explain(), linked.get(vid)))
        return out


def offers_for_skus(db: Database, scope: Scope, skus: list[str]) -> dict[str, list[ChannelOffer]]:
    """For the stock screen and the variant page: per SKU, its offer on each channel by code.
    Computed on read (the whole catalogue is not stored, only listings are): :mod:`.shown`."""
    m = scope.merchant_id
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    with db.read() as conn:
        found = conn.execute(
            select(variants.c.id, variants.c.sku).where(variants.c.merchant_id == m, variants.c.sku.in_(wanted))
        ).all()
        ids = [int(r[0]) for r in found]
        channels_shown = shown.read_channels(conn, m) if ids else []
        day = today()
        reads = shown.offer_reads(conn, m, ids, channels_shown, day)
        by_id = shown.offers_from(fetch_together(conn, reads), ids, channels_shown, day) if reads else {}
    return {str(sku): by_id[int(vid)] for vid, sku in found if int(vid) in by_id}
