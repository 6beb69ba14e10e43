"""Set-up: products and their variants (``/setup/products``), for admins; everyone signed in may look.

A new product is typed with as many variant rows as it needs ("Add a variant row" sends the form
back with one more row, so it works without scripts); a product's page renames it, adds variants
and changes a variant's flags and barcodes. Every save calls the same service as the CLI and API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from truecount.domain.accounts import Principal, role_allows
from truecount.domain.commands import AddProduct, EditVariant, VariantSpec
from truecount.domain.errors import TruecountError
from truecount.entrypoints.api.deps import CurrentUser, DbDep, RequireRole, ScopeDep
from truecount.services.catalog import products
from truecount.services.catalog.records import add_product

from .. import setup_forms as forms
from ..render import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
Texts = Annotated[list[str], Form()]
MAX_ROWS = 50


def _admin(user: Principal) -> bool:
    return role_allows(user.role, "admin")


@router.get("/setup", response_class=RedirectResponse)
def setup_home() -> RedirectResponse:
    return RedirectResponse("/setup/products", status_code=303)


@router.get("/setup/products", response_class=HTMLResponse)
def products_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    q: Annotated[str, Query(max_length=200)] = "",
    saved: Annotated[str, Query(max_length=300)] = "",
    rows: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 2,
) -> HTMLResponse:
    form = {"name": "", "variants": [{} for _ in range(rows)]}
    return _list(request, user, db, scope, q, form, saved=saved)


def _list(
    request: Request, user: Principal, db: Any, scope: Any, q: str, form: dict[str, Any], *, saved: str = "",
    status: int = 200,
) -> HTMLResponse:  # fmt: skip
    found = products.list_products(db, scope, q.strip(), limit=200)
    return render(
        request, "setup/products.html", user, status=status, products=found, q=q, form=form, saved=saved,
        can_edit=_admin(user), links=forms.SETUP_LINKS,
    )  # fmt: skip


@router.post("/setup/products", dependencies=[RequireRole("admin")])
def create_product(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    name: Text = "",
    sku: Texts = [],  # noqa: B006 (FastAPI reads a form list this way)
    options: Texts = [],  # noqa: B006
    barcodes: Texts = [],  # noqa: B006
    components: Texts = [],  # noqa: B006
    action: Text = "save",
) -> Response:
    typed = [
        {"sku": s.strip(), "options": o, "barcodes": b, "components": c}
        for s, o, b, c in zip(sku, _pad(options, sku), _pad(barcodes, sku), _pad(components, sku), strict=True)
    ]
    form: dict[str, Any] = {"name": name, "variants": typed}
    if action == "more":
        form["variants"] = [*typed, {}][:MAX_ROWS]
        return _list(request, user, db, scope, "", form)
    try:
        specs = []
        for i, row in enumerate(v for v in typed if v["sku"] or v["options"] or v["barcodes"] or v["components"]):
            where = f"variants[{i}]"
            specs.append(
                VariantSpec(
                    sku=row["sku"],
                    barcodes=forms.words(row["barcodes"]),
                    options=forms.options(row["options"], f"{where}.options"),
                    components=forms.components(row["components"], f"{where}.components"),
                )
            )
        created = add_product(db, scope, AddProduct(name, specs))
    except TruecountError as refused:
        form |= {"error": str(refused), "error_field": refused.field}
        return _list(request, user, db, scope, "", form, status=422)
    return forms.saved(f"/setup/products/{created.id}", f"{created.name} added with {len(specs)} variant(s)")


def _pad(values: list[str], like: list[str]) -> list[str]:
    return (values + [""] * len(like))[: len(like)]


@router.get("/setup/products/{number}", response_class=HTMLResponse)
def product_page(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    number: int,
    saved: Annotated[str, Query(max_length=300)] = "",
) -> HTMLResponse:
    view = products.show_product(db, scope, str(number))
    return _product(request, user, view, {}, saved=saved)


def _product(
    request: Request,
    user: Principal,
    view: products.ProductView,
    form: dict[str, Any],
    *,
    saved: str = "",
    status: int = 200,
) -> HTMLResponse:
    return render(
        request, "setup/product.html", user, status=status, product=view, form=form, saved=saved,
        can_edit=_admin(user), links=forms.SETUP_LINKS,
    )  # fmt: skip


@router.post("/setup/products/{number}/rename", dependencies=[RequireRole("admin")])
def rename(request: Request, user: CurrentUser, db: DbDep, scope: ScopeDep, number: int, name: Text = "") -> Response:
    try:
        view = products.edit_product(db, scope, str(number), name)
    except TruecountError as refused:
        return _refused(request, user, db, scope, number, refused, "rename")
    return forms.saved(f"/setup/products/{number}", f"renamed to {view.name}")


@router.post("/setup/products/{number}/variants", dependencies=[RequireRole("admin")])
def add_variant(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    number: int,
    sku: Text = "",
    options: Text = "",
    barcodes: Text = "",
    components: Text = "",
) -> Response:
    try:
        spec = VariantSpec(
            sku=sku.strip(),
            barcodes=forms.words(barcodes),
            options=forms.options(options, "options"),
            components=forms.components(components, "components"),
        )
        products.add_variant(db, scope, str(number), spec)
    except TruecountError as refused:
        return _refused(request, user, db, scope, number, refused, "variant", sku=sku, options=options,
                        barcodes=barcodes, components=components)  # fmt: skip
    return forms.saved(f"/setup/products/{number}", f"{sku.strip()} added")


@router.post("/setup/products/{number}/variants/{sku:path}", dependencies=[RequireRole("admin")])
def edit_variant(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    scope: ScopeDep,
    number: int,
    sku: str,
    discontinued: Text = "",
    sellable_from: Text = "",
    options: Text = "",
    add_barcodes: Text = "",
    remove_barcodes: Texts = [],  # noqa: B006
) -> Response:
    try:
        released = forms.day(sellable_from, "sellable_from")
        cmd = EditVariant(
            sku=sku,
            discontinued=discontinued == "yes",
            sellable_from=released if released is not None else products.UNSET,
            options=forms.options(options, "options"),
            add_barcodes=forms.words(add_barcodes),
            remove_barcodes=remove_barcodes,
        )
        products.edit_variant(db, scope, cmd)
    except TruecountError as refused:
        return _refused(request, user, db, scope, number, refused, f"edit:{sku}")
    return forms.saved(f"/setup/products/{number}", f"{sku} saved")


def _refused(
    request: Request, user: Principal, db: Any, scope: Any, number: int, refused: TruecountError, where: str,
    **typed: str,
) -> HTMLResponse:  # fmt: skip
    view = products.show_product(db, scope, str(number))
    form = {"where": where, "error": str(refused), "error_field": refused.field, **typed}
    return _product(request, user, view, form, status=422)
