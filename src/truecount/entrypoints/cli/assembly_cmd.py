"""``bom set|show|list`` and ``workorder create|release|complete|cancel|list|show``: kits and the
work orders that build them."""

from __future__ import annotations

import typer
from rich.table import Table

from truecount.domain.assembly import MODES, VIRTUAL, Complete, CreateWorkOrder, SetBill, parse_parts
from truecount.services.assembly import bills, completion, work_orders
from truecount.services.assembly.views import WorkOrder

from .common import STATE, console, print_json, translate_errors

bom_app = typer.Typer(help="Bills of materials: a kit's components and how it is sold.", no_args_is_help=True)
workorder_app = typer.Typer(
    help="Work orders: build kits at a location (release books the components).", no_args_is_help=True
)
JSON_HELP = "Print the result as JSON."
KEY_HELP = "Idempotency key."


def register(app: typer.Typer) -> None:
    app.add_typer(bom_app, name="bom")
    app.add_typer(workorder_app, name="workorder")


def _show_bill(bill: bills.Bill, as_json: bool) -> None:
    if as_json:
        print_json(bill)
        return
    sale = "" if bill.for_sale else ", not for sale"
    if bill.build_to_order_at:
        sale += f", built to order at {bill.build_to_order_at}"
    parts = ", ".join(f"{c.sku} × {c.quantity}" for c in bill.components)
    console.print(f"{bill.sku} ({bill.mode}{sale}): {parts}")


@bom_app.command("set")
@translate_errors
def bom_set(
    sku: str = typer.Argument(..., help="The kit's SKU."),
    components: str = typer.Option(..., "--components", help="SKU:QTY,SKU:QTY — units of each per kit."),
    mode: str = typer.Option(
        VIRTUAL, "--mode", help=f"How it is sold: {', '.join(MODES)} (from components, assembled stock, or both)."
    ),
    build_to_order_at: str | None = typer.Option(
        None,
        "--build-to-order-at",
        help="A kit built ahead: orders that owe it create work orders at this location (released when they can).",
    ),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Give a kit its components (replacing any it had) and say how it is sold."""
    cmd = SetBill(sku, parse_parts(components), mode, build_to_order_at)
    _show_bill(bills.set_bill(STATE.db(), STATE.scope(), cmd, key), as_json)


@bom_app.command("show")
@translate_errors
def bom_show(
    sku: str = typer.Argument(..., help="The kit's SKU."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """A kit's components, its mode and whether it is for sale."""
    _show_bill(bills.show_bill(STATE.db(), STATE.scope(), sku), as_json)


@bom_app.command("list")
@translate_errors
def bom_list(as_json: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Every kit with a bill of materials, by SKU."""
    found = bills.list_bills(STATE.db(), STATE.scope())
    if as_json:
        print_json(found)
        return
    for bill in found:
        _show_bill(bill, False)


def _show_order(wo: WorkOrder, as_json: bool) -> None:
    if as_json:
        print_json(wo)
        return
    console.print(
        f"work order {wo.id}: {wo.quantity} × {wo.sku} at {wo.location} — {wo.status.replace('_', ' ')}"
        f" — produced {wo.produced}, scrapped {wo.scrapped}, open {wo.open}"
    )
    if wo.cost_unknown:
        console.print(f"cost: unknown: {wo.cost_unknown}")
    else:
        console.print(f"cost: consumed {wo.consumed_cost}, a kit {wo.kit_cost or '— (none produced)'}")
    if wo.components:
        table = Table("component", "at", "per kit", "booked", "consumed", "released", "held")
        for c in wo.components:
            table.add_row(c.sku, c.location, *(str(n) for n in (c.per_kit, c.booked, c.consumed, c.released, c.held)))
        console.print(table)


@workorder_app.command("create")
@translate_errors
def workorder_create(
    sku: str = typer.Argument(..., help="The kit to build."),
    quantity: int = typer.Argument(..., help="How many kits."),
    at: str = typer.Option(..., "--at", help="The location it is built at (its components are booked there)."),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """A draft work order to build QTY of a kit at a location (nothing is booked until release)."""
    cmd = CreateWorkOrder(sku, quantity, at)
    _show_order(work_orders.create_work_order(STATE.db(), STATE.scope(), cmd, key), as_json)


@workorder_app.command("release")
@translate_errors
def workorder_release(
    work_order: int = typer.Argument(..., help="The work order's number."),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Book every component at the work order's location (all or nothing): they are no longer sold."""
    _show_order(work_orders.release_work_order(STATE.db(), STATE.scope(), work_order, key), as_json)


@workorder_app.command("complete")
@translate_errors
def workorder_complete(
    work_order: int = typer.Argument(..., help="The work order's number."),
    quantity: int | None = typer.Option(None, "--quantity", help="Kits built (default: all still open, less scrap)."),
    scrap: int = typer.Option(0, "--scrap", help="Kits' worth of components lost."),
    reason: str | None = typer.Option(None, "--reason", help="Why they were lost (required with --scrap)."),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Consume the components (earliest expiry first) and produce the kits, in one transaction."""
    db, scope = STATE.db(), STATE.scope()
    if quantity is None:
        quantity = max(0, work_orders.show_work_order(db, scope, work_order).open - scrap)
    cmd = Complete(work_order, quantity, scrap, reason)
    _show_order(completion.complete_work_order(db, scope, cmd, key), as_json)


@workorder_app.command("cancel")
@translate_errors
def workorder_cancel(
    work_order: int = typer.Argument(..., help="The work order's number."),
    key: str | None = typer.Option(None, "--key", help=KEY_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Cancel a work order: the components it still holds are released."""
    _show_order(work_orders.cancel_work_order(STATE.db(), STATE.scope(), work_order, key), as_json)


@workorder_app.command("list")
@translate_errors
def workorder_list(
    status: str | None = typer.Option(None, "--status", help="Only work orders in this status."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Work orders, newest first."""
    found = work_orders.list_work_orders(STATE.db(), STATE.scope(), status)
    if as_json:
        print_json(found)
        return
    table = Table("#", "kit", "at", "quantity", "produced", "scrapped", "open", "status")
    for wo in found:
        table.add_row(
            str(wo.id),
            wo.sku,
            wo.location,
            *(str(n) for n in (wo.quantity, wo.produced, wo.scrapped, wo.open)),
            wo.status.replace("_", " "),
        )
    console.print(table)


@workorder_app.command("show")
@translate_errors
def workorder_show(
    work_order: int = typer.Argument(..., help="The work order's number."),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """One work order and what each component holds."""
    _show_order(work_orders.show_work_order(STATE.db(), STATE.scope(), work_order), as_json)
