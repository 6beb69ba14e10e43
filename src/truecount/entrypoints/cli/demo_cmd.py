"""``truecount demo``: load a realistic demo shop into the database."""

from __future__ import annotations

import typer

from truecount.domain.errors import AlreadyExists
from truecount.entrypoints.demo import has_catalogue, load_demo, summary_text
from truecount.services.bootstrap import init_database

from ..process import bulk_job
from .common import STATE, console, translate_errors


def register(app: typer.Typer) -> None:
    app.command("demo")(translate_errors(demo))


def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if the merchant already has a catalogue."),
    seed: int = typer.Option(2026, "--seed", help="Random seed: the same seed gives the same shop."),
) -> None:
    """Load a demo shop (runs init first): apparel, warehouses with bins, a shop, channels, a month of movements."""
    db = STATE.db()
    init_database(db, STATE.merchant or "default")
    scope = STATE.scope()
    if has_catalogue(db, scope):
        if if_empty:
            console.print("demo: the database already has a catalogue; left as it is")
            return
        raise AlreadyExists("already has a catalogue: the demo loads into a fresh database (or use --if-empty)", "db")
    with console.status("loading the demo shop…") as status, bulk_job():
        summary = load_demo(db, scope, seed=seed, progress=lambda step: status.update(f"demo: {step}…"))
    console.print(summary_text(summary))
