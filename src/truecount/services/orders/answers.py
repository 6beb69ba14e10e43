"""The answer to each order of a booked batch, the :class:`.results.Order` :func:`.views.order_view` reads back —
built from the plan and the ids just written, without reading them back, except where the order
owes something (its backorders are read) or is a replay (the recorded order is read)."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime

from sqlalchemy import Connection

from truecount.domain.booking.planner import Outcome, PlannedOrder
from truecount.domain.errors import NotFound, TruecountError
from truecount.domain.order_replay import check_replay
from truecount.services.common.scope import as_utc
from truecount.services.orders.booking import ChannelFacts, short_lines_refusal
from truecount.services.orders.results import Backorder, LineBooking, Order, OrderLine
from truecount.services.orders.views import order_view

BOOKED = Outcome.BOOKED


def answer_all(
    conn: Connection,
    m: int,
    planned: list[PlannedOrder],
    ids: dict[int, tuple[int, list[int]]],
    facts: dict[str, ChannelFacts],
    now: datetime,
) -> list[Order | TruecountError]:
    """One answer per planned order: its view, a replay (``replayed``), or its refusal. ``ids``: per
    index of a booked order, its id and its lines' ids."""
    created_at = as_utc(now).isoformat()  # one moment for the whole batch
    viewers: dict[str, _Viewer] = {}
    out: list[Order | TruecountError] = []
    for index, order in enumerate(planned):
        outcome = order.outcome
        # A booked order is answered from its plan unless it owes something, sold a bundle as its parts
        # or ships a substitute (those are read back); the common order, certain, is tested first.
        if outcome is BOOKED and (
            order.certain or not (order.short or any(line.variant.bundle or line.substitution for line in order.lines))
        ):
            code = order.cmd.channel
            viewer = viewers.get(code)
            if viewer is None:
                viewer = viewers[code] = _Viewer(facts[code], created_at)
            out.append(viewer.view(order, *ids[index]))
        elif outcome is BOOKED:
            out.append(order_view(conn, m, ids[index][0]))  # what it owes, a bundle's parts, a substitute
        elif outcome is Outcome.INVALID:
            assert order.invalid is not None
            field, message = order.invalid
            out.append(NotFound(message, field=field))
        elif outcome is Outcome.REFUSED:
            out.append(short_lines_refusal([asdict(line) for line in order.short_lines]))
        else:
            out.append(_replay(conn, m, ids, order))
    return out


def _replay(
    conn: Connection, m: int, ids: dict[int, tuple[int, list[int]]], order: PlannedOrder
) -> Order | TruecountError:
    """The recorded order again (``replayed``) when the repeat has its lines, else the refusal naming
    each SKU whose quantity differs (:mod:`truecount.domain.order_replay`)."""
    recorded = order.recorded_id if order.same_as is None else ids[order.same_as][0]
    assert recorded is not None
    view = order_view(conn, m, recorded)
    recorded_lines = [(line.sku, line.quantity) for line in view.lines]
    refusal = check_replay(order.cmd.channel, order.cmd.external_id, order.posted, recorded_lines)
    return refusal if refusal is not None else replace(view, replayed=True)


class _Viewer:
    """Answers for one channel's orders (the codes looked up once per batch, not per order)."""

    def __init__(self, facts: ChannelFacts, created_at: str) -> None:
        self.code = facts.channel.code
        self.created_at = created_at
        self.locations = {loc: site.code for loc, site in facts.sites.items()}
        self.types = facts.type_codes

    def view(self, order: PlannedOrder, order_id: int, line_ids: list[int]) -> Order:
        lines = []
        places, types = self.locations, self.types
        for number, line in enumerate(order.lines, start=1):
            units = line.units
            takes = units[0].takes if len(units) == 1 else [t for unit in units for t in unit.takes]
            sku = line.variant.sku
            if len(takes) == 1:  # the common line: one booking
                t = takes[0]
                held = [
                    LineBooking(sku, places[t.location_id], types[t.inventory_type_id], t.quantity, 0, 0, t.quantity)
                ]
            else:
                held = [
                    LineBooking(sku, places[t.location_id], types[t.inventory_type_id], t.quantity, 0, 0, t.quantity)
                    for t in sorted(takes, key=lambda t: (t.location_id, t.inventory_type_id))
                ]
            lines.append(OrderLine(number, sku, line.quantity, 0, 0, 0, held, Backorder(0, False, [])))
        cmd = order.cmd
        return Order(order_id, self.code, cmd.external_id, cmd.strict, "open", self.created_at, lines)
