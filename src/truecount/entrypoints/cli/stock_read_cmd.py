"""Reading the count: ``stock`` and ``history``.

Read-only, so the database is opened with nothing wired (:meth:`.common.CliState.read_db`) and
this module imports no write path: ``truecount stock SKU`` loads the stock reads, SQLAlchemy and
the database driver of its URL, and nothing of offers, orders, trackers or sync.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from truecount.domain.errors import InvalidInput
from truecount.services.stock import levels as stock_service

from .common import STATE, console, err_console, print_json, translate_errors

SKU_HELP = "SKU or barcode."
JSON_HELP = "Print the result as JSON."


def register(app: typer.Typer) -> None:
    for fn in (stock, history):
        app.command(fn.__name__)(translate_errors(fn))


def parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a time (ISO 8601, e.g. 2026-11-01T12:00)", field="as_of") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def stock(
    sku: str | None = typer.Argument(None, help="SKU or barcode (default: all)."),
    at: str | None = typer.Option(None, "--at", help="Location (its bins included)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Past instant, ISO 8601 (UTC unless an offset is given)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show on hand, booked and available per location and type."""
    rows = stock_service.stock(STATE.read_db(), STATE.scope(), sku, at, parse_moment(as_of) if as_of else None)
    if as_json:
        print_json(rows)
        return
    if not rows:
        err_console.print("no stock")
        return
    table = Table(
        "SKU",
        "location",
        "type",
        "on hand",
        "booked",
        "available",
        "lots",
        title="stock" + (f" as of {as_of}" if as_of else ""),
    )
    for row in rows:
        lots = ", ".join(
            f"{lot.lot}×{lot.on_hand}" + (f" (exp {lot.expires_on})" if lot.expires_on else "") for lot in row.lots
        )
        table.add_row(
            row.sku,
            row.location,
            row.inventory_type,
            str(row.on_hand),
            str(row.booked),
            str(row.available),
            lots,
        )
    console.print(table)


def history(
    sku: str = typer.Argument(..., help=SKU_HELP),
    limit: int = typer.Option(200, "--limit", help="Show at most this many movements (newest first)."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """The movements behind a SKU's count, newest first."""
    rows = stock_service.history(STATE.read_db(), STATE.scope(), sku, limit)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "at",
        "kind",
        "location",
        "type",
        "lot",
        "Δ on hand",
        "Δ booked",
        "actor",
        "reason",
        "ref",
        title=f"history of {sku}",
    )
    for r in rows:
        table.add_row(
            r.at[:19],
            r.kind,
            r.location or "(backorder)",
            r.inventory_type,
            r.lot or "",
            f"{r.on_hand_delta:+d}",
            f"{r.booked_delta:+d}",
            r.actor,
            r.reason or "",
            r.reference or "",
        )
    console.print(table)
