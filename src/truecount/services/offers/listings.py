"""Listings ("product links"): one channel listing reference → one variant; a variant may have several
listings on one channel (each its own reference, units per sale and quantity rule)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import JsonValue
from sqlalchemy import Connection, insert, select

from truecount.adapters.db.any_of import in_list
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.adapters.db.tables.offers import listings, offers
from truecount.domain.errors import AlreadyExists, InvalidInput, NotFound
from truecount.domain.listing_refs import normalise_ref
from truecount.domain.listing_steps import check_steps
from truecount.domain.pricing import check_price_rule
from truecount.services.channels.setup import load_channel
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import no_variant, variant_id, variant_ids
from truecount.services.common.scope import Scope, db_time, utcnow
from truecount.services.offers import recompute as offer_service
from truecount.services.offers.store import money


@dataclass(frozen=True, slots=True)
class ListingAdded:
    """A listing linked: the canonical SKU, the reference as stored and its parts, the offer computed
    for it; ``replayed``: the key's first answer again."""

    id: int
    channel: str
    sku: str
    external_ref: str
    ref: dict[str, JsonValue]
    quantity: int
    units_per_sale: int = 1
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class ListingRow:
    """A listing of a channel with its stored offered quantity and when that last changed."""

    id: int
    sku: str
    external_ref: str
    ref: dict[str, JsonValue]
    quantity: int | None
    changed_at: datetime | None
    units_per_sale: int = 1
    steps: list[str] | None = None
    explain: dict[str, Any] | None = None
    price_rule: str | None = None
    price: str | None = None


MAX_UNITS_PER_SALE = 10_000


def check_units(units_per_sale: Any, field: str = "units_per_sale") -> int:
    """A multi-pack's units per sale: a whole number from 1 to 10,000."""
    if isinstance(units_per_sale, bool) or not isinstance(units_per_sale, int):
        raise InvalidInput("must be a whole number from 1 to 10000", field=field)
    if not 1 <= units_per_sale <= MAX_UNITS_PER_SALE:
        raise InvalidInput(f"must be from 1 to {MAX_UNITS_PER_SALE}", field=field)
    return units_per_sale


def add_listing(
    db: Database,
    scope: Scope,
    channel_code: str,
    sku: str,
    external_ref: str | dict[str, Any],
    key: str | None = None,
    *,
    units_per_sale: int = 1,
) -> ListingAdded:
    """Link a channel listing to a variant (one more, if the variant is listed there already, under another
    reference); its offer is computed, stored and queued for push at once. ``units_per_sale`` N: a
    multi-pack, offered ``floor(units / N)``; an order for it takes N units a sale."""
    units = check_units(units_per_sale)
    payload: dict[str, Any] = {"channel": channel_code, "sku": sku, "external_ref": external_ref}
    if units != 1:
        payload["units_per_sale"] = units
    with db.write() as conn:
        return run_once(
            conn,
            scope.merchant_id,
            key,
            payload,
            lambda: _add(conn, scope.merchant_id, channel_code, sku, external_ref, units),
            ListingAdded,
        )


def _add(
    conn: Connection, m: int, channel_code: str, sku: str, external_ref: str | dict[str, Any], units: int
) -> ListingAdded:
    channel = load_channel(conn, m, channel_code)
    vid = variant_id(conn, m, sku)
    _check_for_sale(conn, vid, sku, "sku")
    text, detail = normalise_ref(channel.kind, external_ref, channel.config)
    taken = conn.execute(
        select(listings.c.variant_id).where(
            listings.c.merchant_id == m, listings.c.channel_id == channel.id, listings.c.external_ref == text
        )
    ).first()
    if taken is not None:
        whose = "this variant" if int(taken.variant_id) == vid else "another variant"
        raise AlreadyExists(f"{text!r} is already linked to {whose} on {channel_code}", field="external_ref")
    pk = conn.execute(
        insert(listings).values(
            merchant_id=m,
            channel_id=channel.id,
            variant_id=vid,
            external_ref=text,
            ref_detail=json.dumps(detail, sort_keys=True),
            created_at=db_time(utcnow()),
            units_per_sale=units,
        )
    ).inserted_primary_key
    assert pk is not None
    listing_id = int(pk[0])
    offer_service.recompute_listings(conn, m, {listing_id: (channel.id, vid)})
    quantity = conn.execute(
        select(offers.c.quantity).where(offers.c.merchant_id == m, offers.c.listing_id == listing_id)
    ).scalar_one()
    canonical = conn.execute(select(variants.c.sku).where(variants.c.id == vid)).scalar_one()
    return ListingAdded(listing_id, channel_code, canonical, text, detail, int(quantity), units)


def _check_for_sale(conn: Connection, vid: int, sku: str, field: str) -> None:
    """A raw material (not for sale) is never listed: refused naming the flag that allows it."""
    _refuse_unless_for_sale(
        bool(conn.execute(select(variants.c.for_sale).where(variants.c.id == vid)).scalar_one()), sku, field
    )


def _refuse_unless_for_sale(for_sale: bool, sku: str, field: str) -> None:
    if not for_sale:
        raise InvalidInput(
            f"{sku} is not for sale (a raw material): it is never offered on a channel; "
            f"`truecount variant set {sku} --for-sale` first",
            field=field,
        )


_FOR_SALE = select(variants.c.id, variants.c.for_sale).where(in_list(variants.c.id, "vids"))


def link_many(conn: Connection, m: int, channel_code: str, refs: list[tuple[str, str | dict[str, Any]]]) -> int:
    """Link many (sku, reference) pairs on one channel in the caller's transaction, skipping SKUs
    already listed there; their offers are computed once, together. Returns how many were linked."""
    channel = load_channel(conn, m, channel_code)
    listed = set(
        conn.execute(
            select(listings.c.variant_id).where(listings.c.merchant_id == m, listings.c.channel_id == channel.id)
        ).scalars()
    )
    now = db_time(utcnow())
    found = variant_ids(conn, m, [sku for sku, _ in refs])  # every name in two statements at most, not two each
    for_sale = (
        {int(vid): bool(flag) for vid, flag in conn.execute(_FOR_SALE, {"vids": sorted(set(found.values()))})}
        if found
        else {}
    )
    rows: list[dict[str, Any]] = []
    for n, (sku, ref) in enumerate(refs):
        if sku not in found:
            raise no_variant(sku, f"refs[{n}].sku")
        vid = found[sku]
        _refuse_unless_for_sale(for_sale[vid], sku, f"refs[{n}].sku")
        if vid in listed:
            continue
        listed.add(vid)
        text, detail = normalise_ref(channel.kind, ref, channel.config)
        rows.append(
            {
                "merchant_id": m,
                "channel_id": channel.id,
                "variant_id": vid,
                "external_ref": text,
                "ref_detail": json.dumps(detail, sort_keys=True),
                "created_at": now,
            }
        )
    if rows:
        conn.execute(insert(listings), rows)
        vids = [int(r["variant_id"]) for r in rows]
        offer_service.recompute_listings(conn, m, offer_service.listings_of(conn, m, vids, channel.id))
    return len(rows)


def list_listings(db: Database, scope: Scope, channel_code: str, ref: str | None = None) -> list[ListingRow]:
    """The channel's listings (or the one with reference ``ref``) with their stored offered quantity, when
    it last changed and why, their units per sale and own quantity steps; by SKU, then reference."""
    m = scope.merchant_id
    with db.read() as conn:
        channel = load_channel(conn, m, channel_code)
        query = (
            select(
                listings.c.id,
                variants.c.sku,
                listings.c.external_ref,
                listings.c.ref_detail,
                offers.c.quantity,
                offers.c.changed_at,
                listings.c.units_per_sale,
                listings.c.steps,
                offers.c.explain,
                listings.c.price_rule,
                offers.c.price,
            )
            .join(variants, variants.c.id == listings.c.variant_id)
            .outerjoin(
                offers, (offers.c.merchant_id == listings.c.merchant_id) & (offers.c.listing_id == listings.c.id)
            )
            .where(listings.c.merchant_id == m, listings.c.channel_id == channel.id)
            .order_by(variants.c.sku, listings.c.external_ref)
        )
        if ref is not None:
            query = query.where(listings.c.external_ref == ref)
        found = [
            ListingRow(
                int(r.id),
                r.sku,
                r.external_ref,
                json.loads(r.ref_detail),
                r.quantity,
                r.changed_at,
                int(r.units_per_sale),
                None if r.steps is None else [step.text() for step in check_steps(json.loads(r.steps))],
                None if r.explain is None else json.loads(r.explain),
                None if r.price_rule is None else check_price_rule(json.loads(r.price_rule)).text(),
                money(r.price),
            )
            for r in conn.execute(query)
        ]
    if ref is not None and not found:
        raise NotFound(f"no listing {ref!r} on {channel_code}", field="ref")
    return found
