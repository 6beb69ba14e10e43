"""Printable Code 128 labels (SVG) for variants and locations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from truecount.domain.errors import NotFound
from truecount.entrypoints.api.deps import CurrentUser, DbDep, ScopeDep
from truecount.services.catalog import browse
from truecount.services.stock.levels import search_variants

from .. import code128
from ..render import render

router = APIRouter(include_in_schema=False)

MAX_LABELS = 200


def variant_label(sku: str, barcodes: list[str], name: str) -> str:
    """A variant's label encodes its first barcode (what a scanner reads), else its SKU."""
    value = barcodes[0] if barcodes else sku
    return code128.svg(value, f"{sku} · {name[:40]}" if value == sku else f"{value} · {sku}")


@router.get("/labels", response_class=HTMLResponse)
def labels_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    what: Annotated[str, Query(pattern="^(variants|locations)$")] = "variants",
    q: Annotated[str, Query(max_length=200)] = "",
    copies: Annotated[int, Query(ge=1, le=50)] = 1,
) -> HTMLResponse:
    if what == "locations":
        labels = [code128.svg(loc.code, f"{loc.code} · {loc.name[:40]}") for loc in browse.list_locations(db, scope)]
    else:
        variants = search_variants(db, scope, q, limit=MAX_LABELS)
        labels = [variant_label(v.sku, v.barcodes, v.name) for v in variants]
    drawn = [Markup(svg) for svg in labels for _ in range(copies)]  # SVG built by code128 with escaped text
    return render(request, "labels.html", user, labels=drawn, what=what, q=q, copies=copies)


@router.get("/labels/variants/{sku:path}.svg")
def variant_svg(sku: str, _user: CurrentUser, db: DbDep, scope: ScopeDep) -> Response:
    found = [v for v in search_variants(db, scope, sku, limit=50) if v.sku == sku or sku in v.barcodes]
    if not found:
        raise NotFound(f"no variant with SKU or barcode {sku!r}", field="sku")
    v = found[0]
    return Response(variant_label(v.sku, v.barcodes, v.name), media_type="image/svg+xml")


@router.get("/labels/locations/{code}.svg")
def location_svg(code: str, _user: CurrentUser, db: DbDep, scope: ScopeDep) -> Response:
    found = [loc for loc in browse.list_locations(db, scope) if loc.code == code]
    if not found:
        raise NotFound(f"no location with code {code!r}", field="location")
    return Response(code128.svg(code, f"{code} · {found[0].name[:40]}"), media_type="image/svg+xml")
