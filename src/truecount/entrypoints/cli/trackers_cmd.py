"""``truecount trackers set|list|delete``: stock health trackers."""

from __future__ import annotations

import typer
from rich.table import Table

from truecount.domain.commands import SetTracker
from truecount.services.trackers import watch as trackers

from .common import STATE, console, plain, print_json, translate_errors

trackers_app = typer.Typer(
    help="Stock health trackers: what needs replenishing (stock_quantity, turnover_days, stalled_days).",
    no_args_is_help=True,
)

MECHANISM_HELP = "stock_quantity (--below [--expiry-days]), turnover_days (--lookback-days --coverage-days "
MECHANISM_HELP += "[--expiry-days]) or stalled_days (--lookback-days --quantity)."


@trackers_app.command("set")
@translate_errors
def set_(
    sku: str = typer.Argument(..., help="SKU or barcode."),
    type_: str = typer.Option("good", "--type", help="Inventory type watched: good, damaged, …"),
    mechanism: str = typer.Option(..., "--mechanism", help=MECHANISM_HELP),
    below: int | None = typer.Option(None, "--below", help="stock_quantity: safety stock (units)."),
    expiry_days: int | None = typer.Option(
        None, "--expiry-days", help="Count only stock whose lot expires more than N days from today."
    ),
    lookback_days: int | None = typer.Option(None, "--lookback-days", help="Sales or shipments window (days)."),
    coverage_days: int | None = typer.Option(None, "--coverage-days", help="turnover_days: days of sales to hold."),
    quantity: int | None = typer.Option(None, "--quantity", help="stalled_days: units expected to ship in the window."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key: a repeat returns the first result."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a tracker, or update the one with the same SKU, type and mechanism."""
    given = {
        "below": below,
        "expiry_days": expiry_days,
        "lookback_days": lookback_days,
        "coverage_days": coverage_days,
        "quantity": quantity,
    }
    params = {name: value for name, value in given.items() if value is not None}
    row = trackers.set_tracker(STATE.db(), STATE.scope(), SetTracker(sku, type_, mechanism, params), key)
    if as_json:
        print_json(row)
        return
    verb = "created" if row.created else "updated"
    console.print(
        f"{row.mechanism} tracker for {row.sku} ({row.inventory_type}) {verb}: {_summary(row)}", soft_wrap=True
    )


@trackers_app.command("list")
@translate_errors
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every tracker's current figure, threshold and health, lowest health first (below 100% is an alert)."""
    rows = trackers.list_trackers(STATE.db(), STATE.scope())
    if as_json:
        print_json([{k: v for k, v in plain(row).items() if k != "id"} for row in rows])
        return
    if not rows:
        console.print("no trackers yet: add one with `truecount trackers set SKU --mechanism …`")
        return
    table = Table(title="Stock health (lowest first)")
    for name in ("SKU", "type", "mechanism", "params"):
        table.add_column(name)
    for name in ("current", "threshold", "health"):
        table.add_column(name, justify="right")
    table.add_column("reason")
    for row in rows:
        style = "bold red" if row.alert else None
        table.add_row(
            row.sku,
            row.inventory_type,
            row.mechanism,
            ", ".join(f"{k}={v}" for k, v in row.params.items()),
            str(row.current),
            _number(row.threshold),
            f"{row.health:.1f}%",
            row.reason or "",
            style=style,
        )
    console.print(table)
    alerts = sum(1 for row in rows if row.alert)
    console.print(f"{alerts} of {len(rows)} below 100%" if alerts else f"all {len(rows)} healthy")


@trackers_app.command("delete")
@translate_errors
def delete(
    sku: str = typer.Argument(..., help="SKU or barcode."),
    type_: str = typer.Option("good", "--type", help="Inventory type."),
    mechanism: str = typer.Option(..., "--mechanism", help="stock_quantity, turnover_days or stalled_days."),
) -> None:
    """Stop watching a (SKU, type) by a mechanism."""
    trackers.delete_tracker(STATE.db(), STATE.scope(), sku, type_, mechanism)
    console.print(f"{mechanism} tracker for {sku} ({type_}) deleted", soft_wrap=True)


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def _summary(row: trackers.Tracker) -> str:
    text = f"current {row.current}, threshold {_number(row.threshold)}, health {row.health:.1f}%"
    return text + (f" — {row.reason}" if row.reason else "")


def register(app: typer.Typer) -> None:
    app.add_typer(trackers_app, name="trackers")
