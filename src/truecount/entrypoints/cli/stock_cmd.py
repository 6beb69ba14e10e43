"""Movements (``receive``, ``adjust``, ``count``, ``transfer``, ``return``) and ``verify``; ``feed``'s
one-SKU form is here too, registered under ``feed`` by :mod:`.feeds_cmd`.

Reading the count (``stock``, ``history``) is in :mod:`.stock_read_cmd`, which loads no write path."""

from __future__ import annotations

import typer

from truecount.domain.commands import PostMovement
from truecount.services.stock.movements import post_movement
from truecount.services.stock.orphans import Orphan
from truecount.services.stock.verify import verify as verify_ledger

from .catalog import parse_date
from .common import STATE, console, err_console, print_json, translate_errors

TYPE_HELP = "Inventory type (condition): good, damaged, …"
SKU_HELP = "SKU or barcode."
AT_HELP = "Location code (a warehouse, a bin, a shop…)."
LOT_HELP = "Lot code (default: lots leave first-expiry-first-out)."
REF_HELP = "Reference: PO, delivery note, RMA, count sheet…"
KEY_HELP = "Idempotency key: a repeat returns the first result, a different payload is refused."
JSON_HELP = "Print the result as JSON."


def register(app: typer.Typer) -> None:
    for fn in (receive, adjust, count, transfer, return_, verify):
        name = fn.__name__.rstrip("_")
        # Negative numbers (`adjust SKU -2`, or a mistaken `receive SKU -3`) must reach the argument,
        # where the domain names the field, instead of being read as unknown options.
        settings = {"ignore_unknown_options": True} if fn in MOVEMENT_COMMANDS else None
        app.command(name, context_settings=settings)(translate_errors(fn))


def _post(cmd: PostMovement, key: str | None, as_json: bool) -> None:
    result = post_movement(STATE.db(), STATE.scope(), cmd, key)
    if as_json:
        print_json(result)
        return
    replay = " (replayed: already recorded with this key)" if result.replayed else ""
    levels = ", ".join(f"on hand {lv.on_hand}, available {lv.available}" for lv in result.levels[:1])
    console.print(f"{cmd.kind} {result.sku} recorded{replay}: {levels}")


def receive(
    sku: str = typer.Argument(..., help="SKU or barcode."),
    quantity: int = typer.Argument(..., help="Units received."),
    at: str = typer.Option(..., "--at", help="Location code."),
    type_: str = typer.Option("good", "--type", help=TYPE_HELP),
    lot: str | None = typer.Option(None, "--lot", help="Lot code."),
    expires: str | None = typer.Option(None, "--expires", help="Lot expiry date YYYY-MM-DD."),
    ref: str | None = typer.Option(None, "--ref", help=REF_HELP),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Receive goods into a location (a goods-received note)."""
    _post(
        PostMovement(
            "receive",
            sku,
            at,
            quantity,
            inventory_type=type_,
            lot=lot,
            expires_on=parse_date(expires, "expires_on"),
            reference=ref,
        ),
        key,
        as_json,
    )


def adjust(
    sku: str = typer.Argument(..., help=SKU_HELP),
    delta: int = typer.Argument(..., help="Signed change, e.g. -2 or 5."),
    at: str = typer.Option(..., "--at", help=AT_HELP),
    reason: str = typer.Option(..., "--reason", help="Why (required): damaged, found, theft…"),
    type_: str = typer.Option("good", "--type", help=TYPE_HELP),
    lot: str | None = typer.Option(None, "--lot", help=LOT_HELP),
    ref: str | None = typer.Option(None, "--ref", help=REF_HELP),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Adjust stock up or down with a reason (takes only available stock)."""
    _post(
        PostMovement("adjust", sku, at, delta, inventory_type=type_, lot=lot, reason=reason, reference=ref),
        key,
        as_json,
    )


def count(
    sku: str = typer.Argument(..., help=SKU_HELP),
    counted: int = typer.Argument(..., help="The figure found on the shelf."),
    at: str = typer.Option(..., "--at", help=AT_HELP),
    type_: str = typer.Option("good", "--type", help=TYPE_HELP),
    lot: str | None = typer.Option(None, "--lot", help="Count one lot only."),
    ref: str | None = typer.Option(None, "--ref", help=REF_HELP),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Record a stocktake: the delta is counted − expected."""
    _post(PostMovement("count", sku, at, counted, inventory_type=type_, lot=lot, reference=ref), key, as_json)


def transfer(
    sku: str = typer.Argument(..., help=SKU_HELP),
    quantity: int = typer.Argument(..., help="Units (a whole number above zero)."),
    from_: str = typer.Option(..., "--from", help="Location the stock leaves."),
    to: str = typer.Option(..., "--to", help="Location the stock arrives at."),
    type_: str = typer.Option("good", "--type", help=TYPE_HELP),
    lot: str | None = typer.Option(None, "--lot", help=LOT_HELP),
    ref: str | None = typer.Option(None, "--ref", help=REF_HELP),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Move available stock between locations (out and in, one transaction)."""
    _post(
        PostMovement("transfer", sku, from_, quantity, to_location=to, inventory_type=type_, lot=lot, reference=ref),
        key,
        as_json,
    )


def return_(
    sku: str = typer.Argument(..., help=SKU_HELP),
    quantity: int = typer.Argument(..., help="Units (a whole number above zero)."),
    at: str = typer.Option(..., "--at", help=AT_HELP),
    type_: str = typer.Option("good", "--type", help="Where the returned units go: good, damaged…"),
    reason: str | None = typer.Option(None, "--reason", help="Why it came back: faulty, wrong size…"),
    ref: str | None = typer.Option(None, "--ref", help=REF_HELP),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Put returned units back into stock, as good or another type (a return not tied to an order)."""
    _post(PostMovement("return", sku, at, quantity, inventory_type=type_, reason=reason, reference=ref), key, as_json)


def feed(
    sku: str = typer.Argument(..., help=SKU_HELP),
    quantity: int = typer.Argument(..., help="The supplier's reported quantity."),
    at: str = typer.Option(..., "--at", help="The drop-ship location."),
    ref: str | None = typer.Option(None, "--ref", help=REF_HELP),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Record a supplier feed: sets the location's quantity to the reported figure."""
    _post(PostMovement("feed", sku, at, quantity, reference=ref), key, as_json)


def verify() -> None:
    """Recompute every level from the ledger and look for rows naming a missing catalogue row, order or
    line; exit 1 naming each difference and orphan."""
    problems = verify_ledger(STATE.db(), STATE.scope())
    if problems:
        for problem in problems:
            label = "orphan" if isinstance(problem, Orphan) else "mismatch"
            err_console.print(f"[red]{label}[/] {problem}", highlight=False)
        raise typer.Exit(1)
    console.print(
        "verified: every level equals the ledger's sum, and no row names a missing catalogue row, order or order line"
    )


MOVEMENT_COMMANDS = (receive, adjust, count, transfer, return_, feed)
