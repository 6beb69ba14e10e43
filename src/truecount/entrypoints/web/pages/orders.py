"""The orders list (``/orders``, with filters) and the incidents page (oversells).

The order page, a new manual order and the acts on an order are in ``order_page.py``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.services.channels.setup import list_channels
from truecount.services.orders.browse import OrderQuery, find_orders
from truecount.services.orders.views import IncidentRow, list_incidents

from ..render import render

router = APIRouter(include_in_schema=False)

PAGE = 50


@router.get("/orders", response_class=HTMLResponse)
def orders_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    status: Annotated[str, Query(pattern="^(open|fulfilled|cancelled|all)$")] = "open",
    backordered: Annotated[bool, Query()] = False,
    channel: Annotated[str, Query(max_length=64)] = "",
    placed_from: Annotated[date | None, Query()] = None,
    placed_to: Annotated[date | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    query = OrderQuery(None if status == "all" else status, backordered, channel or None, placed_from, placed_to)
    rows = find_orders(db, scope, query, PAGE + 1, offset)
    filters = {
        "status": status,
        "backordered": "true" if backordered else "",
        "channel": channel,
        "placed_from": placed_from.isoformat() if placed_from else "",
        "placed_to": placed_to.isoformat() if placed_to else "",
    }
    return render(
        request,
        "orders.html",
        user,
        orders=rows[:PAGE],
        more=len(rows) > PAGE,
        filters=filters,
        kept={k: v for k, v in filters.items() if v},
        channels=[c.code for c in list_channels(db, scope)],
        offset=offset,
        page=PAGE,
    )


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    rows = list_incidents(db, scope, PAGE + 1, offset)
    return render(
        request, "incidents.html", user, incidents=by_line(rows[:PAGE]), more=len(rows) > PAGE, offset=offset, page=PAGE
    )


def by_line(rows: list[IncidentRow]) -> list[dict[str, Any]]:
    """One entry per order line: what was sold, and each SKU that ran short for it (a bundle's
    components are recorded one incident each, together)."""
    out: list[dict[str, Any]] = []
    for r in rows:
        last = out[-1] if out else None
        if last is None or (last["order_id"], last["line"]) != (r.order_id, r.line):
            last = {**asdict(r), "short": [], "causes": []}
            out.append(last)
        last["short"].append({"sku": r.sku, "quantity": r.quantity})
        if r.cause not in last["causes"]:
            last["causes"].append(r.cause)
    for entry in out:
        entry["short"].sort(key=lambda s: s["sku"])
        entry["bundle"] = any(s["sku"] != entry["sold_sku"] for s in entry["short"])
    return out
