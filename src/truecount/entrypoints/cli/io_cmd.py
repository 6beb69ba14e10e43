"""``import locations|products|stock FILE.csv`` and ``export locations|products|stock [FILE.csv]``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from truecount.domain.errors import InvalidInput
from truecount.services.imports import exporter, importer, updates
from truecount.services.imports import stock as stock_import

from ..process import bulk_job
from .common import STATE, console, err_console, translate_errors

R = TypeVar("R")

import_app = typer.Typer(help="Import CSV files: all or nothing; errors name the row and column.", no_args_is_help=True)
export_app = typer.Typer(help="Export CSV files in the formats `import` reads.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")


def _with_progress(path: Path, run: Callable[[Callable[[int], None]], R]) -> R:
    total = 0
    if path.is_file():
        with path.open("rb") as lines:
            total = max(sum(1 for _ in lines) - 1, 0)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, disable=total < 500, transient=True) as bar, bulk_job():
        task = bar.add_task(f"importing {path.name}", total=total)
        return run(lambda n: bar.advance(task, n))


@import_app.command("locations")
@translate_errors
def import_locations(
    path: Path = typer.Argument(..., help="CSV: code[, name, kind, parent, saleable, priority]"),
    update: bool = typer.Option(False, "--update", help="Change the locations whose code exists (else refused)."),
) -> None:
    """Create locations and bins from a CSV file (one transaction)."""
    db, scope = STATE.db(), STATE.scope()
    result = _with_progress(path, lambda tick: updates.import_locations(db, scope, path, tick, update_existing=update))
    console.print(f"imported {result.rows} locations ({result.created} created, {result.updated} updated)")


@import_app.command("products")
@translate_errors
def import_products(
    path: Path = typer.Argument(..., help="CSV: product, sku, barcodes, options, tracked, …"),
    update: bool = typer.Option(False, "--update", help="Change the variants whose SKU exists (else refused)."),
) -> None:
    """Create products and variants from a CSV file (one transaction)."""
    db, scope = STATE.db(), STATE.scope()
    if update:
        done = _with_progress(path, lambda tick: updates.update_products(db, scope, path, tick))
        console.print(
            f"imported {done.products} products with {done.variants} variants "
            f"({done.created} created, {done.updated} updated)"
        )
        return
    result = _with_progress(path, lambda tick: importer.import_products(db, scope, path, tick))
    console.print(f"imported {result.products} products with {result.variants} variants")


@import_app.command("stock")
@translate_errors
def import_stock(
    path: Path = typer.Argument(..., help="CSV: sku, location, quantity[, inventory_type, lot, …]"),
) -> None:
    """Receive (or count) stock from a CSV file (checked whole, then applied in short parts)."""
    result = _with_progress(path, lambda tick: stock_import.import_stock(STATE.db(), STATE.scope(), path, tick))
    console.print(f"imported {result.rows} stock rows")


def _export(write: Callable[..., int], path: Path | None) -> None:
    db, scope = STATE.db(), STATE.scope()  # refuse a bad database before creating the file
    if path is None:
        write(db, scope, sys.stdout)
        return
    try:
        out = path.open("w", encoding="utf-8", newline="")
    except OSError as bad:
        raise InvalidInput(f"{path} cannot be written: {bad.strerror or bad}", field="file") from None
    with out:
        count = write(db, scope, out)
    err_console.print(f"wrote {count} rows to {path}")


@export_app.command("locations")
@translate_errors
def export_locations(path: Path | None = typer.Argument(None, help="Output file (default: standard output).")) -> None:
    """Export every location and bin as CSV."""
    _export(exporter.export_locations, path)


@export_app.command("products")
@translate_errors
def export_products(path: Path | None = typer.Argument(None, help="Output file (default: standard output).")) -> None:
    """Export every variant as CSV."""
    _export(exporter.export_products, path)


@export_app.command("stock")
@translate_errors
def export_stock(path: Path | None = typer.Argument(None, help="Output file (default: standard output).")) -> None:
    """Export on-hand stock per SKU, location, type and lot as CSV."""
    _export(exporter.export_stock, path)
