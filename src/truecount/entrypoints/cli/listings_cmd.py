"""``truecount listing add|list|show|rule|price``: a channel's listings, each with its own reference, units
per sale, quantity rule (an ordered list of steps) and price rule."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from truecount.domain.commands import ListingChange
from truecount.domain.offers import describe
from truecount.services.offers import listing_terms, listings

from .common import STATE, console, print_json, translate_errors

listing_app = typer.Typer(
    help="Listings: a variant's references on a channel, each with its units per sale, quantity rule and price.",
    no_args_is_help=True,
)


@listing_app.command("add")
@translate_errors
def listing_add(
    channel: str = typer.Argument(...),
    sku: str = typer.Argument(...),
    refs: list[str] | None = typer.Argument(None, help="The reference (the same as --ref)."),
    ref: list[str] | None = typer.Option(
        None, "--ref", help="The reference: TEXT, or FIELD=VALUE (repeat: seller_sku=AB-1 --ref marketplace_id=…)."
    ),
    units_per_sale: int = typer.Option(1, "--units-per-sale", help="A multi-pack: units one sale takes."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Link CHANNEL's listing REF to SKU (a variant may have several listings on a channel). Shopify:
    inventory_item_id=… location_id=… (or ITEM@LOCATION); Amazon: seller_sku=… [marketplace_id=…]; eBay:
    sku=… [offer_id=…]; WooCommerce: product_id=… [variation_id=…] (or PRODUCT/VARIATION)."""
    given = [*(ref or []), *(refs or [])]
    found: str | dict[str, Any]
    if given and all("=" in r for r in given):
        found = dict(r.split("=", 1) for r in given)
    elif len(given) == 1:
        found = given[0]
    else:
        raise typer.BadParameter("give one TEXT reference or FIELD=VALUE pairs", param_hint="--ref")
    row = listings.add_listing(STATE.db(), STATE.scope(), channel, sku, found, key, units_per_sale=units_per_sale)
    if as_json:
        print_json(row)
        return
    per_sale = f" ({row.units_per_sale} units per sale)" if row.units_per_sale != 1 else ""
    console.print(f"{row.sku} listed on {channel} as {row.external_ref}{per_sale}: offered {row.quantity}")


@listing_app.command("list")
@translate_errors
def listing_list(channel: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """CHANNEL's listings: reference, SKU, units per sale, quantity rule, offered quantity."""
    rows = listings.list_listings(STATE.db(), STATE.scope(), channel)
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"Listings on {channel}")
    for name in ("reference", "SKU", "units/sale", "quantity rule", "offered", "price rule", "price"):
        table.add_column(name, justify="right" if name in ("units/sale", "offered", "price") else "left")
    for row in rows:
        table.add_row(
            row.external_ref,
            row.sku,
            str(row.units_per_sale),
            " → ".join(row.steps) if row.steps is not None else "the channel's rule",
            "" if row.quantity is None else str(row.quantity),
            row.price_rule or "",
            row.price or "",
        )
    console.print(table)


def _show(row: listings.ListingRow) -> None:
    console.print(f"[bold]{row.external_ref}[/] → {row.sku}, {row.units_per_sale} unit(s) per sale")
    if row.explain is not None:
        console.print(describe(row.explain), highlight=False)
    priced = (row.explain or {}).get("price")
    if priced is not None:
        console.print(f"price rule: {priced['rule']}", highlight=False)
        for step in priced["steps"]:
            before = f"{step['input']} → " if "input" in step else ""
            console.print(f"  {step['step']}: {before}{step['price']}", highlight=False)
        console.print(f"price {row.price if row.price is not None else 'none'}", highlight=False)


@listing_app.command("show")
@translate_errors
def listing_show(
    channel: str = typer.Argument(...), ref: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")
) -> None:
    """One listing: its variant, units per sale, quantity rule, offered quantity and why."""
    row = listings.list_listings(STATE.db(), STATE.scope(), channel, ref)[0]
    if as_json:
        print_json(row)
        return
    _show(row)


@listing_app.command("rule")
@translate_errors
def listing_rule(
    channel: str = typer.Argument(...),
    ref: str = typer.Argument(...),
    steps: list[str] | None = typer.Argument(
        None,
        help="Steps in order: percent=P[@LOC] base=LOC reserve=N cap=N min=N zero_below=N round=N fixed=N stop_sell.",
    ),
    clear: bool = typer.Option(False, "--clear", help="Back to the channel's rule for the variant."),
    units_per_sale: int | None = typer.Option(None, "--units-per-sale", help="Also change the units per sale."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set listing REF's quantity rule: STEPs evaluated in the order given, from the pool."""
    change = ListingChange(units_per_sale, steps or None, clear)
    row = listing_terms.change_listing(STATE.db(), STATE.scope(), channel, ref, change, key)
    if as_json:
        print_json(row)
        return
    _show(row)


@listing_app.command("price")
@translate_errors
def listing_price(
    channel: str = typer.Argument(...),
    ref: str = typer.Argument(...),
    rule: list[str] | None = typer.Argument(
        None, help="fixed=P or cost+M%, then any tier=N:+P% (fewer than N offered), then floor=P (MSRP/MAP)."
    ),
    clear: bool = typer.Option(False, "--clear", help="No price: none is set or pushed."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set listing REF's price rule: fixed=19.99 or cost+40% (on the variant's own cost, else its cheapest
    supplier item's), with stock-level tiers (tier=5:+10%) and a floor (floor=24.99)."""
    change = ListingChange(price=rule or None, clear_price=clear)
    row = listing_terms.change_listing(STATE.db(), STATE.scope(), channel, ref, change, key)
    if as_json:
        print_json(row)
        return
    _show(row)


def register(app: typer.Typer) -> None:
    app.add_typer(listing_app, name="listing")
