"""The stock screen (``/``) and its live feed (``/stock/events``, server-sent events)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse

from truecount.adapters.db.engine import Database
from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.entrypoints.web import dashboard
from truecount.entrypoints.web.stock_page import stock_page
from truecount.services.common.scope import Scope

from ..offers import attach_offers
from ..render import render, templates

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
POLL_S = 0.5  # how often the live feed looks for new movements
HEARTBEAT_S = 15.0
REPLAY_WINDOW = 200  # ids below the newest re-checked: a PostgreSQL id can commit after a higher one


@router.get("/", response_class=HTMLResponse)
def stock_screen(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    q: Annotated[str, Query(max_length=200)] = "",
    show: Annotated[str, Query(pattern="^(all|low|out|oversold|expiring)$")] = "all",
    low_below: Annotated[int, Query(ge=0, le=1_000_000)] = 5,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    page = stock_page(db, scope, q.strip(), show, low_below, PAGE_SIZE, offset)
    return render(
        request,
        "stock.html",
        user,
        rows=page.rows,
        q=q,
        show=show,
        low_below=low_below,
        offset=offset,
        more=page.more,
        page_size=PAGE_SIZE,
        tracker_alerts=page.tracker_alerts,
    )


def _fresh_rows(db: Database, scope: Scope, skus: list[str]) -> list[dashboard.VariantRow]:
    return attach_offers(db, scope, dashboard.screen_rows(db, scope, skus))


@router.get("/stock/events")
async def stock_events(
    request: Request, _user: CurrentUser, db: DbDep, scope: ScopeDep, low_below: int = 5
) -> StreamingResponse:
    """``event: stock`` with ``{"rows": {sku: "<tbody…>"}}`` whenever a variant of the caller's merchant moves."""

    async def stream() -> AsyncIterator[str]:
        last = await run_in_threadpool(dashboard.latest_movement_id, db)
        before = await run_in_threadpool(dashboard.changed_since, db, scope, max(0, last - REPLAY_WINDOW), last)
        seen = {mid for mid, _ in before}  # already on the page the browser just loaded
        yield "retry: 2000\n: connected\n\n"
        idle = 0.0
        while not await request.is_disconnected():
            await asyncio.sleep(POLL_S)
            newest = await run_in_threadpool(dashboard.latest_movement_id, db)
            floor = max(0, last - REPLAY_WINDOW)
            moved = await run_in_threadpool(dashboard.changed_since, db, scope, floor, newest)
            fresh = [(mid, sku) for mid, sku in moved if mid not in seen]
            seen = {mid for mid in seen | {mid for mid, _ in moved} if mid > newest - REPLAY_WINDOW}
            last = max(last, newest)
            if fresh:
                idle = 0.0
                skus = sorted({sku for _, sku in fresh})[:100]
                rows = await run_in_threadpool(_fresh_rows, db, scope, skus)
                html = {
                    row.sku: templates.get_template("_stock_row.html").render(row=row, low_below=low_below)
                    for row in rows
                }
                yield f"event: stock\ndata: {json.dumps({'rows': html})}\n\n"
            else:
                idle += POLL_S
                if idle >= HEARTBEAT_S:
                    idle = 0.0
                    yield ": ping\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
