"""The channels page: each channel's sync status — last push, queue, failures, pause, drift."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.services.sync.status import sync_status

from ..render import render

router = APIRouter(include_in_schema=False)


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep) -> HTMLResponse:
    return render(request, "channels.html", user, channels=sync_status(db, scope))
