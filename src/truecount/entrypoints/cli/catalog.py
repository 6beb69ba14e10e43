"""``product add``, ``location add``, ``type add``."""

from __future__ import annotations

from datetime import date

import typer

from truecount.domain.assembly import parse_parts
from truecount.domain.commands import AddLocation, AddProduct, ComponentSpec, VariantSpec
from truecount.domain.errors import InvalidInput
from truecount.services.catalog import records as catalog

from .common import STATE, console, print_json, translate_errors

product_app = typer.Typer(help="Products and their variants.", no_args_is_help=True)
location_app = typer.Typer(help="Warehouses, bins, shops, drop-shippers.", no_args_is_help=True)
type_app = typer.Typer(help="Inventory types (conditions of stock).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(product_app, name="product")
    app.add_typer(location_app, name="location")
    app.add_typer(type_app, name="type")


def parse_components(text: str) -> list[ComponentSpec]:
    """``SKU-A:2,SKU-B:1`` → components."""
    return [ComponentSpec(p.sku, p.quantity) for p in parse_parts(text)]


def parse_options(pairs: list[str]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"{pair!r} must be NAME=VALUE", field="option")
        options[name.strip()] = value.strip()
    return options


@product_app.command("add")
@translate_errors
def product_add(
    name: str = typer.Argument(..., help="Product name, e.g. 'Classic tee'."),
    sku: str = typer.Option(
        ..., "--sku", help="The variant's SKU (one variant per call; add more with the API or import)."
    ),
    barcode: list[str] = typer.Option([], "--barcode", help="A barcode (repeatable)."),
    option: list[str] = typer.Option([], "--option", help="An option value NAME=VALUE, e.g. size=M (repeatable)."),
    untracked: bool = typer.Option(False, "--untracked", help="A non-inventory item: never counted, always sellable."),
    discontinued: bool = typer.Option(False, "--discontinued", help="Sell down to zero, never pre-book."),
    sellable_from: str | None = typer.Option(None, "--sellable-from", help="Release date YYYY-MM-DD."),
    components: str = typer.Option("", "--components", help="Bundle components SKU:QTY,SKU:QTY."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Add a product with one variant."""
    released = parse_date(sellable_from, "sellable_from")
    spec = VariantSpec(
        sku=sku,
        barcodes=barcode,
        options=parse_options(option),
        tracked=not untracked,
        discontinued=discontinued,
        sellable_from=released,
        components=parse_components(components),
    )
    result = catalog.add_product(STATE.db(), STATE.scope(), AddProduct(name, [spec]), key)
    if as_json:
        print_json(result)
    else:
        console.print(f"added {name} ({sku})")


@location_app.command("add")
@translate_errors
def location_add(
    code: str = typer.Argument(..., help="Short code, e.g. WH1 or WH1-A01."),
    name: str = typer.Option(None, "--name", help="Display name (default: the code)."),
    kind: str = typer.Option("warehouse", "--kind", help="warehouse, store, dropship or 3pl."),
    parent: str | None = typer.Option(None, "--parent", help="Parent location: makes this a bin whose counts roll up."),
    not_for_sale: bool = typer.Option(False, "--not-for-sale", help="Counted and shown, but feeds no channel."),
    priority: int = typer.Option(100, "--priority", help="Fulfilment priority: lower is used first."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Add a location."""
    cmd = AddLocation(
        code=code, name=name or code, kind=kind, saleable=not not_for_sale, parent=parent, priority=priority
    )
    catalog.add_location(STATE.db(), STATE.scope(), cmd, key)
    console.print(f"added location {code}" + (f" in {parent}" if parent else ""))


@type_app.command("add")
@translate_errors
def type_add(
    code: str = typer.Argument(..., help="e.g. used, quality_control, defective."),
    sellable: bool = typer.Option(False, "--sellable/--not-sellable", help="Sellable by default on channels."),
) -> None:
    """Add an inventory type."""
    catalog.add_inventory_type(STATE.db(), STATE.scope(), code, sellable)
    console.print(f"added inventory type {code} ({'sellable' if sellable else 'not sellable'})")


def parse_date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None
