"""The trackers page: stock health, lowest first — "what needs replenishing" at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.services.trackers import list_trackers

from ..render import render

router = APIRouter(include_in_schema=False)


@router.get("/trackers", response_class=HTMLResponse)
def trackers_page(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep) -> HTMLResponse:
    return render(request, "trackers.html", user, trackers=list_trackers(db, scope))
