"""``stocktake start|count|show|list|approve|cancel``: count a location (or some bins), see the
variance, approve to post the counts."""

from __future__ import annotations

import typer
from rich.table import Table

from truecount.domain.stocktake import CountLine, StartStocktake
from truecount.services.stock.stocktakes import (
    Stocktake,
    approve_stocktake,
    cancel_stocktake,
    list_stocktakes,
    record_counts,
    show_stocktake,
    start_stocktake,
)

from .common import STATE, console, print_json, translate_errors

stocktake_app = typer.Typer(help="Stocktakes: count a location and its bins, then approve.", no_args_is_help=True)
JSON_HELP = "Print the result as JSON."


def register(app: typer.Typer) -> None:
    app.add_typer(stocktake_app, name="stocktake")


def show(take: Stocktake, as_json: bool) -> None:
    if as_json:
        print_json(take)
        return
    blind = " (blind)" if take.blind else ""
    console.print(
        f"stocktake {take.id} of {take.location}{blind} — {take.status} — "
        f"{take.counted_lines} of {len(take.lines)} lines counted"
        + (f", variance {take.variance_units:+d} units" if take.variance_units is not None else "")
    )
    table = Table("place", "SKU", "type", "expected", "counted", "variance")
    for line in take.lines:
        variance = line.variance
        table.add_row(
            line.place,
            line.sku,
            line.inventory_type,
            "—" if line.expected is None else str(line.expected),
            "" if line.counted is None else str(line.counted),
            "" if variance is None else f"{variance:+d}",
        )
    console.print(table)


@stocktake_app.command("start")
@translate_errors
def start(
    location: str = typer.Argument(..., help="The location counted (its own shelf and all its bins)."),
    bins: list[str] = typer.Option([], "--bin", help="Count only these places (the location or its bins); repeat."),
    blind: bool = typer.Option(False, "--blind", help="Counters do not see the expected figures."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Start a stocktake: every item on hand at the places counted becomes a line to count."""
    show(start_stocktake(STATE.db(), STATE.scope(), StartStocktake(location, list(bins), blind), key), as_json)


@stocktake_app.command("count")
@translate_errors
def count(
    stocktake_id: int = typer.Argument(..., help="The stocktake's id."),
    sku: str = typer.Argument(..., help="SKU or barcode."),
    counted: int = typer.Argument(..., help="The figure found (with --add: units to add to it)."),
    at: str | None = typer.Option(None, "--at", help="The place: the location or a bin (default: the location)."),
    type_: str = typer.Option("good", "--type", help="Inventory type."),
    add: bool = typer.Option(False, "--add", help="Add to what is counted so far (a scan) instead of setting it."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Record a counted figure for one item at one place."""
    line = CountLine(sku, counted, at, type_, add)
    show(record_counts(STATE.db(), STATE.scope(), stocktake_id, [line]), as_json)


@stocktake_app.command("show")
@translate_errors
def show_cmd(
    stocktake_id: int = typer.Argument(..., help="The stocktake's id."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """The lines: expected, counted and variance."""
    show(show_stocktake(STATE.db(), STATE.scope(), stocktake_id), as_json)


@stocktake_app.command("list")
@translate_errors
def list_cmd(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Stocktakes, newest first."""
    rows = list_stocktakes(STATE.db(), STATE.scope())
    if as_json:
        print_json(rows)
        return
    table = Table("id", "location", "status", "blind", "lines counted", "started", "by")
    for r in rows:
        table.add_row(
            str(r.id), r.location, r.status, "yes" if r.blind else "", str(r.counted_lines),
            r.started_at[:16], r.started_by,
        )  # fmt: skip
    console.print(table)


@stocktake_app.command("approve")
@translate_errors
def approve(
    stocktake_id: int = typer.Argument(..., help="The stocktake's id."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Post a count movement for every counted line (uncounted lines stay as they are)."""
    show(approve_stocktake(STATE.db(), STATE.scope(), stocktake_id), as_json)


@stocktake_app.command("cancel")
@translate_errors
def cancel(stocktake_id: int = typer.Argument(..., help="The stocktake's id.")) -> None:
    """Close the stocktake without posting anything."""
    take = cancel_stocktake(STATE.db(), STATE.scope(), stocktake_id)
    console.print(f"stocktake {take.id} cancelled: nothing posted")
