"""``picklist``: what to take off the shelves at a location for some orders and work orders
(stored, printed as a table, JSON or PDF)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from truecount.domain.errors import InvalidInput
from truecount.domain.picking import MakePickList, parse_numbers
from truecount.services.picking.lists import PickList, make_pick_list, show_pick_list

from ..pick_list_pdf import pick_list_pdf, source
from .common import STATE, console, print_json, translate_errors


def register(app: typer.Typer) -> None:
    app.command("picklist")(translate_errors(picklist))


def show(picks: PickList, as_json: bool) -> None:
    if as_json:
        print_json(picks)
        return
    done = " — all picked" if picks.complete else ""
    console.print(f"pick list {picks.id} at {picks.location}{done}")
    table = Table("#", "place", "SKU", "type", "lot", "expires", "qty", "for", "picked")
    for line in picks.lines:
        table.add_row(
            str(line.line),
            line.place,
            line.sku,
            line.inventory_type,
            line.lot,
            line.expires_on or "",
            str(line.quantity),
            source(line),
            str(line.picked),
        )
    console.print(table)


def picklist(
    orders: str | None = typer.Option(None, "--orders", help="Order numbers, comma-separated."),
    workorders: str | None = typer.Option(None, "--workorders", help="Work order numbers, comma-separated."),
    at: str | None = typer.Option(None, "--at", help="The location picked from (its own shelf and its bins)."),
    show_id: int | None = typer.Option(None, "--show", help="Show a stored pick list instead of making one."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Also write the pick list to this PDF file."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Make a pick list: what the orders and work orders booked at a location, by bin, with lots."""
    db, scope = STATE.db(), STATE.scope()
    if show_id is not None:
        picks = show_pick_list(db, scope, show_id)
    else:
        if at is None:
            raise InvalidInput("give the location to pick from (--at LOC)", field="at")
        cmd = MakePickList(at, parse_numbers(orders, "orders"), parse_numbers(workorders, "workorders"))
        picks = make_pick_list(db, scope, cmd, key)
    if pdf is not None:
        pdf.write_bytes(pick_list_pdf(picks))
    show(picks, as_json)
