"""``truecount``: the root command, global options and the command groups."""

from __future__ import annotations

import typer

from . import (
    access_cmd,
    accounts_cmd,
    catalog,
    catalog_edit_cmd,
    channels_cmd,
    demo_cmd,
    io_cmd,
    offers_cmd,
    orders_cmd,
    serve_cmd,
    stock_cmd,
    stocktake_cmd,
    sync_cmd,
    trackers_cmd,
)
from .common import STATE, console, fit_output_to_destination, translate_errors

app = typer.Typer(
    name="truecount",
    help="truecount — one trustworthy stock count per variant, location and condition, netted from a ledger.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: TRUECOUNT_DATABASE_URL or sqlite:///truecount.db)."
    ),
    merchant: str | None = typer.Option(
        None, "--merchant", help="Merchant code to act for (default: TRUECOUNT_MERCHANT or 'default')."
    ),
) -> None:
    STATE.db_url = db
    STATE.merchant = merchant
    STATE._db = None
    fit_output_to_destination()


@app.command()
@translate_errors
def init() -> None:
    """Create or upgrade the database schema and the default merchant."""
    from truecount.services.bootstrap import init_database

    init_database(STATE.db(), STATE.merchant or "default")
    console.print(f"database ready: {STATE.url}")


for module in (
    catalog,
    catalog_edit_cmd,
    stock_cmd,
    stocktake_cmd,
    io_cmd,
    demo_cmd,
    orders_cmd,
    accounts_cmd,
    serve_cmd,
    sync_cmd,
    trackers_cmd,
    access_cmd,
    channels_cmd,
    offers_cmd,
):
    module.register(app)


def main() -> None:
    app()
