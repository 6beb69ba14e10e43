"""``product list|show|edit``, ``variant add|edit|set``, ``location list|edit``, ``type list``,
``merchant add|list``."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from truecount.domain.commands import EditLocation, EditVariant, VariantSpec
from truecount.domain.errors import InvalidInput
from truecount.services.catalog import browse, merchants, places, products

from .catalog import location_app, parse_components, parse_date, parse_options, product_app, type_app
from .common import STATE, console, print_json, translate_errors

variant_app = typer.Typer(help="Variants of an existing product.", no_args_is_help=True)
merchant_app = typer.Typer(help="Merchants (tenants) of this database.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(variant_app, name="variant")
    app.add_typer(merchant_app, name="merchant")


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


@product_app.command("list")
@translate_errors
def product_list(
    q: str = typer.Option("", "--q", "-q", help="Part of a name or SKU."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Products by name: number, name, variants."""
    rows = products.list_products(STATE.db(), STATE.scope(), q.strip(), limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table("#", "product", "variants", "SKUs")
    for r in rows:
        shown = ", ".join(r.skus[:6]) + (f" … (+{len(r.skus) - 6})" if len(r.skus) > 6 else "")
        table.add_row(str(r.id), r.name, str(r.variants), shown)
    console.print(table)


@product_app.command("show")
@translate_errors
def product_show(
    product: str = typer.Argument(..., help="The product's number, a variant's SKU or barcode, or its exact name."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A product with every variant: options, barcodes, flags, bundle components."""
    view = products.show_product(STATE.db(), STATE.scope(), product)
    if as_json:
        print_json(view)
        return
    _print_product(view)


def _print_product(view: products.ProductView) -> None:
    console.print(f"[bold]#{view.id} {view.name}[/]")
    table = Table("SKU", "options", "barcodes", "tracked", "discontinued", "sellable from", "for sale", "components")
    for v in view.variants:
        table.add_row(
            v.sku,
            " ".join(f"{k}={val}" for k, val in v.options.items()),
            " ".join(v.barcodes),
            _yes_no(v.tracked),
            _yes_no(v.discontinued),
            v.sellable_from or "",
            _yes_no(v.for_sale),
            " ".join(f"{c.sku}:{c.quantity}" for c in v.components),
        )
    console.print(table)
    for v in view.variants:
        if v.unit_cost is not None:
            console.print(f"{v.sku}: unit cost {v.unit_cost}")


@product_app.command("edit")
@translate_errors
def product_edit(
    product: str = typer.Argument(..., help="The product's number, a variant's SKU or barcode, or its exact name."),
    name: str = typer.Option(..., "--name", help="The new name."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Rename a product."""
    view = products.edit_product(STATE.db(), STATE.scope(), product, name, key)
    console.print(f"product #{view.id} is now {view.name}")


@variant_app.command("add")
@translate_errors
def variant_add(
    product: str = typer.Argument(..., help="The product's number, a variant's SKU or barcode, or its exact name."),
    sku: str = typer.Option(..., "--sku", help="The new variant's SKU."),
    barcode: list[str] = typer.Option([], "--barcode", help="A barcode (repeatable)."),
    option: list[str] = typer.Option([], "--option", help="An option value NAME=VALUE, e.g. size=L (repeatable)."),
    untracked: bool = typer.Option(False, "--untracked", help="A non-inventory item: never counted, always sellable."),
    discontinued: bool = typer.Option(False, "--discontinued", help="Sell down to zero, never pre-book."),
    sellable_from: str | None = typer.Option(None, "--sellable-from", help="Release date YYYY-MM-DD."),
    components: str = typer.Option("", "--components", help="Bundle components SKU:QTY,SKU:QTY."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Add a variant to an existing product."""
    spec = VariantSpec(
        sku=sku,
        barcodes=barcode,
        options=parse_options(option),
        tracked=not untracked,
        discontinued=discontinued,
        sellable_from=parse_date(sellable_from, "sellable_from"),
        components=parse_components(components),
    )
    view = products.add_variant(STATE.db(), STATE.scope(), product, spec, key)
    console.print(f"added {sku} to #{view.id} {view.name} ({len(view.variants)} variants)")


@variant_app.command("edit")
@translate_errors
def variant_edit(
    sku: str = typer.Argument(..., help="SKU or barcode."),
    discontinued: bool | None = typer.Option(None, "--discontinued/--not-discontinued", help="Sell down to zero."),
    sellable_from: str | None = typer.Option(
        None, "--sellable-from", help="Release date YYYY-MM-DD, or 'unset' to clear it."
    ),
    option: list[str] = typer.Option([], "--option", help="NAME=VALUE: replaces the options (repeatable)."),
    add_barcode: list[str] = typer.Option([], "--add-barcode", help="A barcode to add (repeatable)."),
    remove_barcode: list[str] = typer.Option([], "--remove-barcode", help="A barcode to remove (repeatable)."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Change a variant's flags, options or barcodes (channel offers follow)."""
    released: date | str | None = None
    if sellable_from is not None:
        released = products.UNSET if sellable_from == products.UNSET else parse_date(sellable_from, "sellable_from")
    cmd = EditVariant(
        sku=sku,
        discontinued=discontinued,
        sellable_from=released,
        options=parse_options(option) if option else None,
        add_barcodes=add_barcode,
        remove_barcodes=remove_barcode,
    )
    view = products.edit_variant(STATE.db(), STATE.scope(), cmd, key)
    _print_product(view)


@variant_app.command("set")
@translate_errors
def variant_set(
    sku: str = typer.Argument(..., help="SKU or barcode."),
    for_sale: bool | None = typer.Option(
        None, "--for-sale/--not-for-sale", help="--not-for-sale: a raw material, counted and booked, never offered."
    ),
    cost: str | None = typer.Option(
        None, "--cost", help="What a unit costs the merchant (e.g. 4.25; at most 4 decimal places); 'unset' clears it."
    ),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Set a variant's flags and cost: --not-for-sale keeps it off every channel (offers 0, listing
    refused); --cost is what work orders consume it at."""
    if for_sale is None and cost is None:
        raise InvalidInput("give --for-sale, --not-for-sale or --cost", field="for_sale")
    cmd = EditVariant(sku=sku, for_sale=for_sale, unit_cost=cost)
    view = products.edit_variant(STATE.db(), STATE.scope(), cmd, key)
    _print_product(view)


@location_app.command("list")
@translate_errors
def location_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every location and bin, by code."""
    rows = browse.list_locations(STATE.db(), STATE.scope())
    if as_json:
        print_json(rows)
        return
    table = Table("code", "name", "kind", "parent", "for sale", "priority")
    for r in rows:
        table.add_row(r.code, r.name, r.kind, r.parent or "", _yes_no(r.saleable), str(r.priority))
    console.print(table)


@location_app.command("edit")
@translate_errors
def location_edit(
    code: str = typer.Argument(..., help="The location's code (it does not change)."),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    kind: str | None = typer.Option(None, "--kind", help="warehouse, store, dropship or 3pl."),
    parent: str | None = typer.Option(None, "--parent", help="Parent location's code; '' for a top-level location."),
    for_sale: bool | None = typer.Option(None, "--for-sale/--not-for-sale", help="Whether it feeds channels."),
    priority: int | None = typer.Option(None, "--priority", help="Fulfilment priority: lower is used first."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Change a location or bin (channel offers follow a change of for-sale or parent)."""
    cmd = EditLocation(code, name, kind, for_sale, parent, priority)
    row = places.edit_location(STATE.db(), STATE.scope(), cmd, key)
    parent_text = f" in {row.parent}" if row.parent else ""
    sale = "for sale" if row.saleable else "not for sale"
    console.print(f"{code}: {row.name}, {row.kind}{parent_text}, {sale}, priority {row.priority}")


@type_app.command("list")
@translate_errors
def type_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Inventory types and whether channels sell them by default."""
    rows = browse.list_inventory_types(STATE.db(), STATE.scope())
    if as_json:
        print_json(rows)
        return
    table = Table("type", "sellable by default")
    for r in rows:
        table.add_row(r.code, _yes_no(r.sellable))
    console.print(table)


@merchant_app.command("add")
@translate_errors
def merchant_add(
    code: str = typer.Argument(..., help="Short code, e.g. acme (used with --merchant)."),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the code)."),
) -> None:
    """Add a merchant (with the inventory types good and damaged)."""
    row = merchants.add_merchant(STATE.db(), code, name)
    console.print(f"added merchant {row.code} ({row.name}): act for it with --merchant {row.code}")


@merchant_app.command("list")
@translate_errors
def merchant_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every merchant of the database."""
    STATE.scope()  # an uninitialised database is refused with the command that fixes it
    rows = merchants.list_merchants(STATE.db())
    if as_json:
        print_json(rows)
        return
    table = Table("code", "name")
    for r in rows:
        table.add_row(r.code, r.name)
    console.print(table)
