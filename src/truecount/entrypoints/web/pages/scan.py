"""The scan page (``/scan``): keyboard-wedge input, one unit per scan, confirmed or refused at once.

The page's script posts JSON to ``/scan/record``, ``/scan/undo``, ``/scan/count`` and, picking
against a pick list, ``/scan/pick`` (:mod:`.picking`)
(with the session's CSRF token in ``X-CSRF-Token``); refusals come back in the API's error shape.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import Field

from truecount.domain.commands import Scan
from truecount.domain.ledger import MAX_REQUEST_QUANTITY
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep
from truecount.entrypoints.api.schemas import Code, Input
from truecount.services.catalog import browse
from truecount.services.picking.lists import list_pick_lists
from truecount.services.stock import scanning

from ..render import render

router = APIRouter(include_in_schema=False)


class ScanIn(Input):
    mode: Literal["receive", "pick", "count", "move"]
    code: Annotated[str, Field(max_length=128)]
    location: Code
    to_location: Code | None = None
    quantity: Annotated[int, Field(strict=True, ge=1, le=MAX_REQUEST_QUANTITY)] = 1
    key: Annotated[str, Field(max_length=100)] | None = None


class CountIn(Input):
    location: Code
    counts: dict[Code, Annotated[int, Field(ge=0, le=MAX_REQUEST_QUANTITY)]]
    key: Annotated[str, Field(max_length=100)] | None = None


@router.get("/scan", response_class=HTMLResponse)
def scan_page(
    request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, pick_list: int | None = None
) -> HTMLResponse:
    usual = scanning.usual_location(db, scope)
    to_pick = [p for p in list_pick_lists(db, scope) if not p.complete or p.id == pick_list]
    return render(
        request,
        "scan.html",
        user,
        locations=browse.list_locations(db, scope),
        usual=usual,
        pick_lists=to_pick,
        pick_list=pick_list,
    )


@router.post("/scan/record", dependencies=[RequireRole("staff")])
def record(body: ScanIn, db: DbDep, scope: ScopeDep) -> dict[str, Any]:
    cmd = Scan(body.mode, body.code, body.location, body.to_location, body.quantity)
    return _json(scanning.scan(db, scope, cmd, f"scan:{body.key}" if body.key else None))


@router.post("/scan/undo", dependencies=[RequireRole("staff")])
def undo(body: ScanIn, db: DbDep, scope: ScopeDep) -> dict[str, Any]:
    cmd = Scan(body.mode, body.code, body.location, body.to_location, body.quantity)
    return _json(scanning.undo(db, scope, cmd, f"undo:{body.key}" if body.key else None))


@router.post("/scan/count", dependencies=[RequireRole("staff")])
def count(body: CountIn, db: DbDep, scope: ScopeDep) -> dict[str, Any]:
    key = f"count:{body.key}" if body.key else None
    return {"counted": [asdict(c) for c in scanning.finish_count(db, scope, body.location, dict(body.counts), key)]}


def _json(scanned: scanning.Scanned) -> dict[str, Any]:
    """The page's answer: a count scan has ``on_hand`` (no ``movements``), the others ``movements``."""
    return {k: v for k, v in asdict(scanned).items() if v is not None}
