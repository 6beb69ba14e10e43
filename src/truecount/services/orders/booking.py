"""A channel as booking needs it (:class:`ChannelFacts`), read once per transaction or kept
(:mod:`.facts_cache`), and the refusal of a strict order. Where a line is taken from is decided in
:mod:`truecount.domain.booking.planner`; :mod:`.engine` runs it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from truecount.domain.booking.view import ChannelSources
from truecount.domain.errors import InsufficientStock
from truecount.domain.model import LocationKind
from truecount.services.channels.setup import Channel, Site, load_channel_sites


@dataclass(frozen=True)
class ChannelFacts:
    """A channel as booking needs it: the ranks of its saleable locations (bins included), the
    sources it books from (:class:`ChannelSources`) and, for the answers, every location and the
    codes of its inventory types."""

    channel: Channel
    ranks: dict[int, int]
    sites: dict[int, Site]
    type_codes: dict[int, str]
    sources: ChannelSources


def channel_facts(conn: Connection, m: int, code: str) -> ChannelFacts:
    """The :class:`ChannelFacts` of channel ``code``, in two statements."""
    channel, sites, type_codes = load_channel_sites(conn, m, code)
    parent = {site.id: site.parent_id for site in sites}
    saleable = {site.id: site.saleable for site in sites}
    ranks = _ranks(channel, parent, saleable)
    places = {(loc, t): rank for loc, rank in ranks.items() for t in channel.inventory_type_ids}
    dropship = frozenset(s.id for s in sites if s.kind == LocationKind.DROPSHIP.value and s.id in ranks)
    sources = ChannelSources(channel.code, channel.id, channel.allocation, places, dropship)
    return ChannelFacts(channel, ranks, {s.id: s for s in sites}, type_codes, sources)


def _ranks(channel: Channel, parent: dict[int, int | None], saleable: dict[int, bool]) -> dict[int, int]:
    """Each saleable location the channel books from (a saleable bin of one too) → the place of that
    location in the channel's order."""
    ranks: dict[int, int] = {}
    for rank, root in enumerate(channel.location_ids):
        for loc in parent:
            node: int | None = loc
            while node is not None and node != root:
                node = parent.get(node)
            if node == root and saleable[loc] and saleable[root] and loc not in ranks:
                ranks[loc] = rank
    return ranks


def short_lines_refusal(details: list[dict[str, Any]]) -> InsufficientStock:
    """A strict order refused: each short line ``{line, sku, requested, available, missing}`` named."""
    names = ", ".join(f"{d['sku']} (missing {d['missing']})" for d in details)
    return InsufficientStock(f"not enough stock for {names}: nothing was booked", field="lines", details=details)
