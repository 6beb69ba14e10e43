"""``substitute add|list|remove``: the variants that may ship when a variant runs short."""

from __future__ import annotations

import typer
from rich.table import Table

from truecount.domain.substitutes import AddSubstitute
from truecount.services.catalog import substitutes

from .common import STATE, console, print_json, translate_errors

substitute_app = typer.Typer(help="Substitutes: what may ship when a variant runs short.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(substitute_app, name="substitute")


def _show(found: substitutes.Substitutes, as_json: bool) -> None:
    if as_json:
        print_json(found)
        return
    table = Table("#", "substitute", "ratio", "channels", "notify", title=f"substitutes of {found.sku}")
    for s in found.substitutes:
        channels = ",".join(s.channels) if s.channels is not None else "all"
        table.add_row(str(s.position), s.sku, str(s.ratio), channels, "yes" if s.notify else "no")
    console.print(table)


@substitute_app.command("add")
@translate_errors
def substitute_add(
    sku: str = typer.Argument(..., help="The variant that may run short (SKU or barcode)."),
    other: str = typer.Option(..., "--with", help="The variant that may ship in its place."),
    ratio: int = typer.Option(1, "--ratio", help="Units of the substitute shipped per unit ordered."),
    channels: str | None = typer.Option(None, "--channels", help="Comma-separated channel codes (default: all)."),
    notify: bool = typer.Option(False, "--notify", help="The customer must be told when it ships instead."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Add a substitute at the end of SKU's list (tried in list order)."""
    codes = None if channels is None else [c.strip() for c in channels.split(",") if c.strip()]
    cmd = AddSubstitute(sku, other, ratio, codes, notify)
    _show(substitutes.add_substitute(STATE.db(), STATE.scope(), cmd, key), as_json)


@substitute_app.command("list")
@translate_errors
def substitute_list(
    sku: str = typer.Argument(..., help="SKU or barcode."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """SKU's substitutes, in the order they are tried."""
    _show(substitutes.list_substitutes(STATE.db(), STATE.scope(), sku), as_json)


@substitute_app.command("remove")
@translate_errors
def substitute_remove(
    sku: str = typer.Argument(..., help="SKU or barcode."),
    other: str = typer.Option(..., "--with", help="The substitute to take off the list."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Take a substitute off SKU's list (the others keep their order)."""
    _show(substitutes.remove_substitute(STATE.db(), STATE.scope(), sku, other, key), as_json)
