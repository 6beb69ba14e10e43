"""``truecount offers``, ``rule set|clear``, ``rules export|import``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from truecount.domain.commands import SetRule
from truecount.domain.offers import rule_text
from truecount.services.offers import recompute as offers
from truecount.services.offers import rules as offer_rules
from truecount.services.offers import rules_sheet

from ..process import bulk_job
from .common import STATE, console, err_console, plain, print_json, translate_errors

rule_app = typer.Typer(help="One channel's quantity rule for one variant.", no_args_is_help=True)
rules_app = typer.Typer(help="A channel's rules in bulk, by spreadsheet (CSV or XLSX).", no_args_is_help=True)


@translate_errors
def offers_command(
    channel: str = typer.Argument(..., help="Channel code."),
    sku: str | None = typer.Argument(None, help="One SKU (default: the whole catalogue)."),
    explain: bool = typer.Option(
        False, "--explain", help="Show the pool by location and type, the rule and each step."
    ),
    recompute: bool = typer.Option(False, "--recompute", help="First recompute and store every listing's offer."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What CHANNEL is offered for each variant, and why."""
    db, scope = STATE.db(), STATE.scope()
    if recompute:
        with bulk_job():
            done = offers.recompute_all(db, scope)
        console.print(f"recomputed {done['listings']} listing(s), {done['changed']} changed")
    rows = offers.quantities(db, scope, channel, sku)
    if as_json:
        print_json([_offered(r, explain) for r in rows])
        return
    table = Table(title=f"Offered on {channel}")
    table.add_column("SKU")
    table.add_column("offered", justify="right")
    table.add_column("rule")
    table.add_column("listing")
    for row in rows:
        text = rule_text(row.explain["rule"])
        table.add_row(row.sku, str(row.quantity), text, row.listing.external_ref if row.listing else "")
    console.print(table)
    if explain:
        for row in rows:
            _print_explain(row.sku, row.explain)


def _offered(row: offers.Offered, explain: bool) -> dict[str, Any]:
    """An offer as ``--json`` prints it: the explanation only with ``--explain``, the listing only when linked."""
    shown: dict[str, Any] = {"sku": row.sku, "quantity": row.quantity}
    if explain:
        shown["explain"] = row.explain
    if row.listing is not None:
        shown["listing"] = plain(row.listing)
    return shown


def _print_explain(sku: str, explain: dict[str, Any]) -> None:
    console.print(f"[bold]{sku}[/]: pool {explain['pool']['total']}")
    for line in explain["pool"]["by_location"]:
        console.print(
            f"  {line['location']} {line['inventory_type']}: on hand {line['on_hand']}, booked {line['booked']}, "
            f"expired {line['expired']} → available {line['available']}"
        )
    for part in explain.get("components", []):
        console.print(
            f"  component {part['sku']} × {part['per_bundle']}: {part['offered_before_cap']} before its cap "
            f"→ {part['bundles']} bundle(s)"
        )
    console.print(f"  rule: {rule_text(explain['rule']) or 'none (offer the pool)'}")
    for step in explain["steps"]:
        console.print(f"  {step['step']}: {step['quantity']}")
    console.print(f"  → offered {explain['quantity']}")


@rule_app.command("set")
@translate_errors
def rule_set(
    channel: str = typer.Argument(...),
    sku: str = typer.Argument(...),
    kind: str = typer.Argument(..., help="reserve, stop_sell, prebook, percent, fixed or cap."),
    quantity: int | None = typer.Option(None, "--quantity", help="N for reserve, prebook, fixed, cap."),
    percent: str | None = typer.Option(None, "--percent", help="p for percent (0–100)."),
    location: str | None = typer.Option(None, "--location", help="percent: of this location instead of the pool."),
    reserve: int | None = typer.Option(None, "--reserve", help="percent: also keep N back."),
    cap: int | None = typer.Option(None, "--cap", help="percent, reserve, prebook: also never offer more than M."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Set CHANNEL's rule for SKU (replacing any)."""
    cmd = SetRule(kind, quantity, percent, location, reserve, cap)
    offer_rules.set_rule(STATE.db(), STATE.scope(), channel, sku, cmd, key)
    shown = offers.quantities(STATE.db(), STATE.scope(), channel, sku)[0]
    console.print(f"{kind} rule set for {shown.sku} on {channel}: offered {shown.quantity}")


@rule_app.command("clear")
@translate_errors
def rule_clear(channel: str = typer.Argument(...), sku: str = typer.Argument(...)) -> None:
    """Back to the default: offer the pool."""
    row = offer_rules.clear_rule(STATE.db(), STATE.scope(), channel, sku)
    console.print(f"rule for {sku} on {channel} {'cleared' if row.cleared else 'was already the default'}")


@rules_app.command("export")
@translate_errors
def rules_export(
    channel: str = typer.Argument(...), file: Path = typer.Argument(..., help="FILE.csv or FILE.xlsx")
) -> None:
    """Write every variant with CHANNEL's rule for it (empty kind: the default), each followed by its listings
    with their own steps (empty: the channel's rule)."""
    count = rules_sheet.export_rules(STATE.db(), STATE.scope(), channel, file)
    console.print(f"{count} row(s) written to {file}")


@rules_app.command("import")
@translate_errors
def rules_import(
    channel: str = typer.Argument(...), file: Path = typer.Argument(..., help="FILE.csv or FILE.xlsx")
) -> None:
    """Set each row's rule (empty kind clears it) and each listing row's steps (empty clears them), all or
    nothing."""
    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar, bulk_job():
        task = bar.add_task("importing rules", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = rules_sheet.import_rules(STATE.db(), STATE.scope(), channel, file, step)
    console.print(
        f"{result.rows} row(s): {result.set} set, {result.cleared} cleared, "
        f"{result.listing_steps} listing rule(s); {result.listings_changed} listing(s) changed"
    )


def register(app: typer.Typer) -> None:
    app.command("offers")(offers_command)
    app.add_typer(rule_app, name="rule")
    app.add_typer(rules_app, name="rules")
