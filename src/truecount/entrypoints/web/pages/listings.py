"""A channel's listings page: each listing's quantity and price with their explanation; for admins, a
form to add a listing and the rules spreadsheet (the CLI's ``rules export|import`` format) to download
and upload. One listing's own terms are edited on its page (:mod:`.listing_edit`)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from truecount.domain.accounts import Principal, role_allows
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.offers import describe
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep
from truecount.services.offers import rules_sheet
from truecount.services.offers.listings import add_listing, list_listings

from .. import setup_forms
from ..render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
SHEET_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_SHEET_BYTES = 20_000_000


def listings_context(db: Any, scope: Any, code: str) -> dict[str, Any]:
    """The listings of a channel with each one's explanation as text (the list page and a listing's page)."""
    rows = list_listings(db, scope, code)
    return {"listings": rows, "why": {row.id: describe(row.explain) if row.explain else "" for row in rows}}


def _page(
    request: Request, user: Principal, db: Any, scope: Any, code: str, *, form: dict[str, Any] | None = None,
    saved: str = "", status: int = 200,
) -> HTMLResponse:  # fmt: skip
    return render(
        request, "listings.html", user, status=status, channel=code, form=form or {}, done=saved,
        can_edit=role_allows(user.role, "admin"), **listings_context(db, scope, code),
    )  # fmt: skip


@router.get("/channels/{code}/listings", response_class=HTMLResponse)
def listings_page(
    code: str,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    saved: Annotated[str, Query(max_length=600)] = "",
) -> HTMLResponse:
    return _page(request, user, db, scope, code, saved=saved)


def _units(text: str) -> int:
    return setup_forms.whole(text, "units_per_sale", 1)


@router.post("/channels/{code}/listings", dependencies=[RequireRole("admin")])
def add(
    code: str,
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    sku: Text = "",
    ref: Text = "",
    units_per_sale: Text = "1",
) -> Response:
    """Link a listing (the same service as ``listing add`` and ``POST …/listings``); a refusal keeps what
    was typed and names the field."""
    try:
        if not ref.strip():
            raise InvalidInput("give the channel's reference of the listing", field="external_ref")
        added = add_listing(db, scope, code, sku.strip(), ref.strip(), units_per_sale=_units(units_per_sale))
    except TruecountError as refused:
        form = {"where": "add", "error": f"{refused.field}: {refused.message}", "error_field": refused.field,
                "sku": sku, "ref": ref, "units_per_sale": units_per_sale}  # fmt: skip
        return _page(request, user, db, scope, code, form=form, status=422)
    return setup_forms.saved(
        f"/channels/{code}/listings", f"{added.sku} listed as {added.external_ref}: offered {added.quantity}"
    )


@router.get("/channels/{code}/rules-sheet")
def download_sheet(
    code: str, user: CurrentUser, db: DbDep, scope: ScopeDep, format: Annotated[str, Query(max_length=8)] = "csv"
) -> Response:
    """The channel's rules and listings' steps as a spreadsheet (``rules export``'s format)."""
    if format not in SHEET_TYPES:
        raise InvalidInput("must be csv or xlsx", field="format")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"rules-{code}.{format}"
        rules_sheet.export_rules(db, scope, code, path)
        content = path.read_bytes()
    disposition = f'attachment; filename="rules-{code}.{format}"'
    return Response(content, media_type=SHEET_TYPES[format], headers={"Content-Disposition": disposition})


@router.post("/channels/{code}/rules-sheet", dependencies=[RequireRole("admin")])
def upload_sheet(
    code: str, request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, sheet: UploadFile = File(...)
) -> Response:
    """Import an edited spreadsheet (``rules import``): all or nothing; every bad row is listed."""
    name = Path(sheet.filename or "").name
    content = sheet.file.read(MAX_SHEET_BYTES + 1)
    try:
        if Path(name).suffix.lower() not in (".csv", ".xlsx"):
            raise InvalidInput("must be a .csv or .xlsx file", field="file")
        if len(content) > MAX_SHEET_BYTES:
            raise InvalidInput(f"is larger than {MAX_SHEET_BYTES} bytes", field="file")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"upload{Path(name).suffix.lower()}"
            path.write_bytes(content)
            done = rules_sheet.import_rules(db, scope, code, path)
    except TruecountError as refused:
        form = {"where": "sheet", "error": f"{refused.field}: {refused.message}", "problems": refused.details}
        return _page(request, user, db, scope, code, form=form, status=422)
    return setup_forms.saved(
        f"/channels/{code}/listings",
        f"{name}: {done.rows} row(s): {done.set} rule(s) set, {done.cleared} cleared, "
        f"{done.listing_steps} listing(s) given steps; {done.listings_changed} listing(s) changed",
    )
