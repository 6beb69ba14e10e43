"""What the ``fastest`` and ``reliable`` supplier choice rules rank a drop-ship location by: the terms of
the supplier behind it (:class:`truecount.domain.booking.choice.SupplierTerms`), read in bulk — two
statements for every supplier a batch may book at — in the booking's transaction, like the costs
the ``cheapest`` rule reads (:func:`truecount.services.suppliers.costs.unit_costs`).

A supplier's reliability is measured over its last :data:`~truecount.domain.booking.choice.HISTORY`
purchase orders sent (:func:`truecount.domain.purchase_orders.reliability`): one window query ranks
each supplier's sent purchase orders newest first.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, select

from truecount.adapters.db.tables.purchasing import purchase_orders
from truecount.adapters.db.tables.suppliers import suppliers
from truecount.domain import purchase_orders as rules
from truecount.domain.booking.choice import HISTORY, SupplierTerms, cutoff_minute, record_of


def supplier_terms(conn: Connection, m: int, location_ids: Iterable[int]) -> dict[int, SupplierTerms]:
    """Per drop-ship location among ``location_ids`` with a supplier record, its supplier's terms."""
    places = sorted(set(location_ids))
    if not places:
        return {}
    s = suppliers.c
    behind = conn.execute(
        select(s.id, s.location_id, s.code, s.lead_days, s.cutoff).where(s.merchant_id == m, s.location_id.in_(places))
    ).all()
    if not behind:
        return {}
    history = _history(conn, m, [int(r.id) for r in behind])
    found: dict[int, SupplierTerms] = {}
    for r in behind:
        figures = rules.reliability(history.get(int(r.id), []), int(r.lead_days))
        on_time, days = record_of(figures.on_time_percent, figures.average_days_to_ship)
        found[int(r.location_id)] = SupplierTerms(str(r.code), int(r.lead_days), cutoff_minute(r.cutoff), on_time, days)
    return found


def _history(conn: Connection, m: int, supplier_ids: list[int]) -> dict[int, list[rules.Facts]]:
    """Each supplier's last :data:`HISTORY` purchase orders sent, as the reliability rule reads them."""
    p = purchase_orders.c
    newest = func.row_number().over(partition_by=p.supplier_id, order_by=(p.sent_at.desc(), p.id.desc())).label("n")
    ranked = (
        select(p.supplier_id, p.state, p.sent_at, p.acknowledged_at, p.shipped_at, newest)
        .where(p.merchant_id == m, p.supplier_id.in_(supplier_ids), p.sent_at.is_not(None))
        .subquery()
    )
    rows = conn.execute(
        select(
            ranked.c.supplier_id, ranked.c.state, ranked.c.sent_at, ranked.c.acknowledged_at, ranked.c.shipped_at
        ).where(ranked.c.n <= HISTORY)
    ).all()
    found: dict[int, list[rules.Facts]] = {}
    for r in rows:
        found.setdefault(int(r.supplier_id), []).append(
            rules.Facts(r.sent_at, r.acknowledged_at, r.shipped_at, str(r.state))
        )
    return found
