"""Pre-orders: how much of a shortfall a ``prebook P`` rule of the channel-offer work covers.

``prebook P`` offers ``max(0, P − open ordered)``, open ordered being the variant's
booked units at every location plus its open backorders. An order a channel sends beyond
that is an oversell like any other. So a shortfall is split: up to what the rule still
allows is an expected pre-order (no incident), the rest is an oversell incident.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from truecount.adapters.db.tables.ledger import stock_levels
from truecount.adapters.db.tables.orders import backorders


def _rule(conn: Connection, m: int, channel_id: int, vid: int) -> tuple[str, int | None] | None:
    from truecount.adapters.db.tables import offers as offer_tables

    rules = getattr(offer_tables, "rules", None)
    if rules is None:  # the offers work is not there: no variant takes pre-orders
        return None
    row = conn.execute(
        select(rules.c.kind, rules.c.quantity).where(
            rules.c.merchant_id == m, rules.c.channel_id == channel_id, rules.c.variant_id == vid
        )
    ).first()
    return None if row is None else (str(row[0]), None if row[1] is None else int(row[1]))


def is_prebooking(conn: Connection, m: int, channel_id: int, vid: int) -> bool:
    """Whether the variant takes pre-orders on this channel (it has a ``prebook`` rule)."""
    rule = _rule(conn, m, channel_id, vid)
    return rule is not None and rule[0] == "prebook"


def open_ordered(conn: Connection, m: int, vid: int) -> int:
    """Booked at every location plus still owed (backorders neither allocated nor cancelled)."""
    s, b = stock_levels.c, backorders.c
    booked = conn.execute(select(func.sum(s.booked)).where(s.merchant_id == m, s.variant_id == vid)).scalar()
    owed = conn.execute(
        select(func.sum(b.quantity - b.allocated - b.cancelled)).where(b.merchant_id == m, b.variant_id == vid)
    ).scalar()
    return int(booked or 0) + int(owed or 0)


def preorder_part(conn: Connection, m: int, channel_id: int, vid: int, missing: int) -> int:
    """How many of ``missing`` units (not yet recorded as owed) are expected pre-orders."""
    rule = _rule(conn, m, channel_id, vid)
    if rule is None or rule[0] != "prebook":
        return 0
    if rule[1] is None:
        return missing
    return max(0, min(missing, rule[1] - open_ordered(conn, m, vid)))
