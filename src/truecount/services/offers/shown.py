"""Offers computed on read for the pages (the stock screen, the variant page): per variant, what each
of the merchant's channels is offered, by the same rules and from the same facts as the stored
offers (:func:`truecount.services.offers.recompute.recompute_listings`), whether or not it is listed.

In two round trips of the caller's transaction: :func:`read_channels`, then :func:`offer_reads`,
which a page may send together with its own reads (:func:`truecount.adapters.db.together.fetch_together`),
turned into offers by :func:`offers_from`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, select

from truecount.adapters.db.tables.channels import channel_inventory_types, channel_locations, channels
from truecount.adapters.db.together import Rows, Statement, fetch_together
from truecount.domain.offers import describe
from truecount.services.offers.compute import Offers
from truecount.services.offers.facts import fact_reads, facts_from
from truecount.services.offers.store import ChannelView, channel_views


@dataclass(frozen=True, slots=True)
class ChannelOffer:
    """A variant's offer on one channel: ``explain`` the readable text, ``detail`` the structured explanation."""

    channel: str
    quantity: int
    explain: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ShownChannel:
    """A channel by its code, as the offer rules see it."""

    code: str
    view: ChannelView


_M: BindParameter[int] = bindparam("m")
_CHANNELS = (
    select(channels.c.id, channels.c.code, channels.c.always_in_stock)
    .where(channels.c.merchant_id == _M)
    .order_by(channels.c.code)
)
_FEEDS = select(channel_locations.c.channel_id, channel_locations.c.location_id).where(
    channel_locations.c.merchant_id == _M
)
_SELLS = select(channel_inventory_types.c.channel_id, channel_inventory_types.c.inventory_type_id).where(
    channel_inventory_types.c.merchant_id == _M
)


def read_channels(conn: Connection, m: int) -> list[ShownChannel]:
    """The merchant's channels in code order (one round trip)."""
    found, feeds, sells = fetch_together(conn, [(_CHANNELS, {"m": m}), (_FEEDS, {"m": m}), (_SELLS, {"m": m})])
    views = channel_views(((ch, always) for ch, _, always in found), feeds, sells)
    return [ShownChannel(str(code), views[int(ch)]) for ch, code, _ in found]


def offer_reads(
    conn: Connection, m: int, variant_ids: Sequence[int], shown: Sequence[ShownChannel], day: date
) -> list[Statement]:
    """The facts the offers of these variants on these channels need (none without either)."""
    if not variant_ids or not shown:
        return []
    return fact_reads(conn, m, variant_ids, [channel.view.id for channel in shown], day)


def offers_from(
    rows: list[Rows], variant_ids: Sequence[int], shown: Sequence[ShownChannel], day: date
) -> dict[int, list[ChannelOffer]]:
    """Variant id → its offer on each channel (in the channels' order), from the rows of :func:`offer_reads`."""
    if not rows:
        return {}
    evaluated = Offers(facts_from(rows), day)
    found: dict[int, list[ChannelOffer]] = {}
    for channel in shown:
        for vid, result in evaluated.of(channel.view, variant_ids).items():
            detail = result.explain()
            found.setdefault(vid, []).append(ChannelOffer(channel.code, result.quantity, describe(detail), detail))
    return found
