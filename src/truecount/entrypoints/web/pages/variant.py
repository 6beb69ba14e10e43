"""The variant page: the count explained — levels, channel offers, the count as of a time, history, a chart;
for a kit, its bill of materials and its work orders; its substitutes, in the order they are tried."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.entrypoints.web import dashboard
from truecount.services.assembly import kits
from truecount.services.catalog.substitutes import list_substitutes
from truecount.services.stock import levels as stock_service

from .. import chart
from ..offers import attach_offers
from ..render import render

router = APIRouter(include_in_schema=False)

HISTORY_ROWS = 200


@router.get("/variants/{sku:path}", response_class=HTMLResponse)
def variant_page(
    request: Request,
    sku: str,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    as_of: Annotated[datetime | None, Query()] = None,
) -> HTMLResponse:
    card, row = dashboard.variant_card(db, scope, sku)
    attach_offers(db, scope, [row])
    history = stock_service.history(db, scope, card["sku"], limit=HISTORY_ROWS)
    then = None
    if as_of is not None:
        moment = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
        then = stock_service.stock(db, scope, card["sku"], None, moment)
    drawing = chart.svg(chart.on_hand_series(history, row.on_hand))
    kit = kits.kit_of(db, scope, card["sku"])
    return render(
        request,
        "variant.html",
        user,
        card=card,
        row=row,
        history=history,
        as_of=as_of.isoformat(timespec="minutes") if as_of else "",
        then=then,
        chart=Markup(drawing),  # built from numbers only
        bill=kit.bill,
        work_orders=kit.work_orders,
        substitutes=list_substitutes(db, scope, card["sku"]).substitutes,
    )
