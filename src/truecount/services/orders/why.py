"""Why a line booked at a drop-ship location went to that supplier: the sentence each line of a
drop-ship purchase order carries (``why``), from the facts the rule ranked by, read again in the
booking's transaction — the channel's rule or the variant's own (:func:`.sources.rule_of`), the
suppliers' costs (``cheapest``, :func:`truecount.services.suppliers.costs.why_supplier`) or their
terms (``fastest``, ``reliable``, ``own_first``: :func:`truecount.domain.booking.choice.why`).
``priority`` and ``most_available`` say nothing (``None``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection, select

from truecount.adapters.db.tables.catalog import locations, variants
from truecount.adapters.db.tables.channels import channel_locations, channels
from truecount.domain.booking import choice
from truecount.domain.booking.sources import CHEAPEST, FASTEST, OWN_FIRST, RELIABLE, rule_of
from truecount.domain.model import LocationKind
from truecount.services.purchasing.terms import supplier_terms
from truecount.services.suppliers.costs import Quote, channel_quotes, why_supplier

Why = Callable[[int, str, str], str | None]  # (variant id, SKU, drop-ship location code) → why


def explainer(conn: Connection, m: int, channel: str, variant_ids: Iterable[int], clock: int) -> Why:
    """How to tell why a line of one of ``variant_ids`` went to a drop-ship location on ``channel``,
    booked at ``clock`` (the minute of the day, UTC)."""
    found = conn.execute(
        select(channels.c.id, channels.c.allocation).where(channels.c.merchant_id == m, channels.c.code == channel)
    ).first()
    if found is None:
        return lambda _v, _s, _l: None
    wanted = sorted(set(variant_ids))
    v = variants.c
    named = conn.execute(select(v.id, v.sku, v.supplier_choice).where(v.merchant_id == m, v.id.in_(wanted))).all()
    own = {int(i): r for i, _, r in named if r is not None}
    channel_rule = str(found.allocation)
    rules = {v: rule_of(channel_rule, own.get(v)) for v in wanted}
    used = {r for pair in rules.values() for r in pair}
    if not used & {CHEAPEST, FASTEST, RELIABLE, OWN_FIRST}:
        return lambda _v, _s, _l: None
    places = _dropship_places(conn, m, int(found.id))
    terms = supplier_terms(conn, m, places) if used & {FASTEST, RELIABLE, OWN_FIRST} else {}
    candidates = [choice.Candidate(code, terms.get(loc)) for loc, code in places.items()]
    quotes: dict[str, list[Quote]] = {}
    if CHEAPEST in used:
        quotes = channel_quotes(conn, m, int(found.id), [str(sku) for _, sku, _ in named])

    def why(variant_id: int, sku: str, location: str) -> str | None:
        rule, then = rules.get(variant_id, (channel_rule, "priority"))
        if rule == CHEAPEST:
            return why_supplier(location, quotes.get(sku, []))
        if rule == OWN_FIRST and then == CHEAPEST:
            return f"own_first: own stock had too few free, then {why_supplier(location, quotes.get(sku, []))}"
        return choice.why(rule, location, candidates, clock, then)

    return why


def _dropship_places(conn: Connection, m: int, channel_id: int) -> dict[int, str]:
    """The channel's drop-ship locations (id → code), in its order."""
    cl, loc = channel_locations.c, locations.c
    rows = conn.execute(
        select(loc.id, loc.code)
        .join(channel_locations, cl.location_id == loc.id)
        .where(cl.merchant_id == m, cl.channel_id == channel_id, loc.kind == LocationKind.DROPSHIP.value)
        .order_by(loc.priority, cl.position, loc.code)
    ).all()
    return {int(i): str(code) for i, code in rows}
