"""``supplier add|list|show|item|schedule|choice``: drop-ship suppliers, the items they carry, and a
variant's own supplier choice rule."""

from __future__ import annotations

import typer
from rich.table import Table

from truecount.domain.booking.sources import RULES
from truecount.domain.purchase_orders import Reliability
from truecount.domain.suppliers import DEFAULT_CURRENCY, AddSupplier, SetSupplierChoice, SetSupplierItem
from truecount.services.purchasing.tardy import supplier_reliability
from truecount.services.suppliers import choice, records

from .common import STATE, console, plain, print_json, translate_errors

SEND_HELP = (
    "When purchase orders are mailed: now (each booking at once), HH:MM (collected, daily, UTC) or Nh (every N hours)."
)
supplier_app = typer.Typer(help="Drop-ship suppliers and the items they carry at a cost.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(supplier_app, name="supplier")


@supplier_app.command("add")
@translate_errors
def supplier_add(
    code: str = typer.Argument(..., help="Short code, e.g. ACME."),
    name: str = typer.Option(..., "--name", help="The supplier's name."),
    email: str = typer.Option(..., "--email", help="Where purchase orders go."),
    location: str = typer.Option(..., "--location", help="The dropship location this supplier stands behind."),
    lead_days: int = typer.Option(0, "--lead-days", help="Days from a purchase order to shipping (0–365)."),
    cutoff: str | None = typer.Option(None, "--cutoff", help="HH:MM: orders after it leave a day later."),
    currency: str = typer.Option(DEFAULT_CURRENCY, "--currency", help="ISO 4217 code of the supplier's costs."),
    send: str = typer.Option("now", "--send", help=SEND_HELP),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Add a supplier behind a dropship location."""
    cmd = AddSupplier(code, name, email, location, currency, lead_days, cutoff, send)
    added = records.add_supplier(STATE.db(), STATE.scope(), cmd, key)
    if as_json:
        print_json(added)
    else:
        console.print(f"added supplier {added.code} ({added.name}) behind {added.location}")


@supplier_app.command("list")
@translate_errors
def supplier_list(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Every supplier, by code."""
    rows = records.list_suppliers(STATE.db(), STATE.scope())
    if as_json:
        print_json(rows)
        return
    table = Table(
        "code", "name", "e-mail", "location", "currency", "lead days", "cut-off", "shipped", "on time",
        title=f"{len(rows)} supplier(s)",
    )  # fmt: skip
    for s in rows:
        figures = supplier_reliability(STATE.db(), STATE.scope(), s.code)
        on_time = "" if figures.on_time_percent is None else f"{figures.on_time_percent}%"
        table.add_row(
            s.code, s.name, s.email, s.location, s.currency, str(s.lead_days), s.cutoff or "",
            f"{figures.shipped}/{figures.sent}", on_time,
        )  # fmt: skip
    console.print(table)


@supplier_app.command("show")
@translate_errors
def supplier_show(
    code: str = typer.Argument(..., help="The supplier's code."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """One supplier and the items it carries."""
    found = records.get_supplier(STATE.db(), STATE.scope(), code)
    if as_json:
        print_json({**plain(found), "reliability": plain(supplier_reliability(STATE.db(), STATE.scope(), code))})
        return
    terms = f"{found.lead_days} lead day(s), cut-off {found.cutoff or '-'}, costs in {found.currency}"
    terms += f", purchase orders sent {_send_text(found.send)}"
    figures = supplier_reliability(STATE.db(), STATE.scope(), code)
    console.print(f"{found.code} ({found.name}) <{found.email}> behind {found.location}, {terms}")
    console.print(_reliability_text(figures))
    table = Table("SKU", "supplier SKU", "cost", "case", "", title=f"{len(found.items or [])} item(s)")
    for item in found.items or []:
        gone = "discontinued" if item.discontinued else ""
        table.add_row(item.sku, item.supplier_sku or "", f"{item.cost} {item.currency}", str(item.case), gone)
    console.print(table)


@supplier_app.command("schedule")
@translate_errors
def supplier_schedule(
    code: str = typer.Argument(..., help="The supplier's code."),
    send: str = typer.Argument(..., help=SEND_HELP),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
) -> None:
    """Set when the supplier's purchase orders are mailed."""
    changed = records.set_send_schedule(STATE.db(), STATE.scope(), code, send, key)
    console.print(f"{changed.code}: purchase orders sent {_send_text(changed.send)}")


def _reliability_text(figures: Reliability) -> str:
    if figures.on_time_percent is None:
        return f"reliability: {figures.sent} purchase order(s) sent, none shipped yet"
    return (
        f"reliability: {figures.on_time_percent}% of {figures.shipped} shipped on time, "
        f"{figures.average_days_to_ship} days to ship on average ({figures.sent} sent)"
    )


def _send_text(send: str) -> str:
    if send == "now":
        return "as soon as lines are booked"
    if send.endswith("h"):
        return f"every {send[:-1]} hour(s), collected"
    return f"daily at {send} UTC, collected"


@supplier_app.command("item")
@translate_errors
def supplier_item(
    sku: str = typer.Argument(..., help="Our SKU (or a barcode)."),
    supplier: str = typer.Option(..., "--supplier", help="The supplier's code."),
    cost: str = typer.Option(..., "--cost", help="Unit cost, a decimal such as 12.50, in the supplier's currency."),
    supplier_sku: str | None = typer.Option(None, "--supplier-sku", help="The supplier's own code for it."),
    case: int = typer.Option(1, "--case", help="Units per case."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Set what a supplier charges for a variant (created or replaced)."""
    cmd = SetSupplierItem(supplier, sku, cost, supplier_sku, case)
    saved = records.set_supplier_item(STATE.db(), STATE.scope(), cmd, key)
    if as_json:
        print_json(saved)
    else:
        verb = "added" if saved.created else "changed"
        console.print(f"{verb} {saved.item.sku} at {saved.supplier}: {saved.item.cost} {saved.item.currency}"
                      f" (case of {saved.item.case})")  # fmt: skip


@supplier_app.command("choice")
@translate_errors
def supplier_choice(
    sku: str = typer.Argument(..., help="Our SKU (or a barcode)."),
    rule: str | None = typer.Argument(None, help=f"The variant's own rule: {', '.join(RULES)}."),
    clear: bool = typer.Option(False, "--clear", help="Clear the variant's own rule: its channels' rules apply."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Give a variant a supplier choice rule of its own, overriding its channels' allocation (or --clear it)."""
    if clear == (rule is not None):
        raise typer.BadParameter("give a RULE or --clear, not both nor neither")
    saved = choice.set_supplier_choice(STATE.db(), STATE.scope(), SetSupplierChoice(sku, rule), key)
    if as_json:
        print_json(saved)
    elif saved.rule is None:
        console.print(f"{saved.sku}: no rule of its own, each channel's allocation applies")
    else:
        console.print(f"{saved.sku}: suppliers chosen by {saved.rule} on every channel")
