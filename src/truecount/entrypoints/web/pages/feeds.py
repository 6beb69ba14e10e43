"""Supplier feeds in the browser (``/feeds``): every feed with its schedule, whether it is stale (and
out of the channel pools), its last runs with what they read, changed and refused; admins run one now.

The same service functions as ``/api/v1/feeds`` and ``truecount feed``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from truecount.domain.errors import TruecountError
from truecount.domain.feeds import folders_of
from truecount.entrypoints.api.deps import AdminUser, CurrentUser, DbDep, ScopeDep, SettingsDep
from truecount.services.feeds import records
from truecount.services.feeds.run import run_feed

from ..render import render

router = APIRouter(include_in_schema=False)
RUNS_SHOWN = 5


@router.get("/feeds", response_class=HTMLResponse)
def feeds_page(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, done: str = "") -> HTMLResponse:
    feeds = [records.get_feed(db, scope, f.supplier, RUNS_SHOWN) for f in records.list_feeds(db, scope)]
    return render(request, "feeds.html", user, feeds=feeds, error=None, done=done[:300])


@router.post("/feeds/{supplier}/run", response_class=HTMLResponse)
async def run_now(
    request: Request, supplier: str, user: AdminUser, db: DbDep, scope: ScopeDep, settings: SettingsDep
) -> Response:
    await request.form()  # the CSRF token is checked by the middleware
    try:
        # in a worker thread: an SFTP feed runs its own event loop, which cannot nest in this one
        run = await run_in_threadpool(run_feed, db, scope, supplier, folders=folders_of(settings.feed_folders))
    except TruecountError as refused:
        feeds = [records.get_feed(db, scope, f.supplier, RUNS_SHOWN) for f in records.list_feeds(db, scope)]
        return render(request, "feeds.html", user, refused.status, feeds=feeds, error=refused, done="")
    said = f"{supplier}: {run.outcome}, {run.rows_read} row(s) read, {run.rows_changed} changed"
    if run.refused:
        said += f", {len(run.refused)} refused: nothing changed"
    return RedirectResponse(f"/feeds?{urlencode({'done': said})}", status_code=303)
