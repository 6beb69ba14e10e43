"""``order create|fulfil|cancel|return|show|list|dropship`` and ``incidents``."""

from __future__ import annotations

import typer
from rich.table import Table

from truecount.domain.commands import LineChange, OrderLineSpec, PlaceOrder
from truecount.domain.errors import InvalidInput
from truecount.domain.fulfilments import Tracking
from truecount.services.orders.channel_fulfilments import fulfil_order
from truecount.services.orders.dropship import list_dropship_orders
from truecount.services.orders.fulfilment import change_order
from truecount.services.orders.line_supplier import send_line_to_supplier
from truecount.services.orders.place import place_order
from truecount.services.orders.results import Order
from truecount.services.orders.views import get_order, list_incidents, list_orders

from .common import STATE, console, print_json, translate_errors

order_app = typer.Typer(help="Orders: book, fulfil, cancel, return.", no_args_is_help=True)
LINES_HELP = "Lines as SKU:QTY (e.g. TEE-M:2 MUG:1)."


def register(app: typer.Typer) -> None:
    app.add_typer(order_app, name="order")
    app.command("incidents")(translate_errors(incidents))


def parse_lines(items: list[str], *, with_place: bool = False) -> list[tuple[str, int, str | None]]:
    """``SKU:QTY`` (and ``SKU:QTY@LOCATION`` where a place applies)."""
    parsed = []
    for i, item in enumerate(items):
        head, _, place = item.partition("@")
        sku, sep, qty = head.rpartition(":")
        if not sep or not sku or not qty.isdigit():
            raise InvalidInput(f"{item!r} must be SKU:QTY" + ("[@LOCATION]" if with_place else ""), field=f"lines[{i}]")
        if place and not with_place:
            raise InvalidInput(f"{item!r}: a location does not apply here", field=f"lines[{i}]")
        parsed.append((sku, int(qty), place or None))
    return parsed


def show(order: Order, as_json: bool) -> None:
    if as_json:
        print_json(order)
        return
    replay = " (already recorded)" if order.replayed else ""
    console.print(f"order {order.id} — {order.channel} {order.external_id} — {order.status}{replay}")
    table = Table("line", "SKU", "qty", "fulfilled", "cancelled", "returned", "booked at", "backordered")
    for line in order.lines:
        held = ", ".join(
            f"{b.location}×{b.open}" + (f" ({b.sku})" if b.sku != line.sku else "") for b in line.bookings if b.open
        )
        owed = line.backorder.open
        table.add_row(
            str(line.line),
            line.sku,
            str(line.quantity),
            str(line.fulfilled),
            str(line.cancelled),
            str(line.returned),
            held,
            (f"{owed} (pre-order)" if line.backorder.preorder else str(owed)) if owed else "",
        )
    console.print(table)
    for line in order.lines:
        swap = line.substitute
        if swap:
            told = " (tell the customer)" if swap.notify else ""
            console.print(
                f"line {line.line}: ships {swap.quantity} × {swap.sku} for {line.quantity} × {line.sku}{told}"
                f" — {swap.why}",
                soft_wrap=True,  # one line per substituted line, whatever the terminal's width
            )


@order_app.command("create")
@translate_errors
def create(
    lines: list[str] = typer.Argument(..., help=LINES_HELP),
    channel: str = typer.Option(..., "--channel", help="Channel code the order comes from."),
    external: str = typer.Option(..., "--external", help="The channel's order id (recorded once)."),
    strict: bool = typer.Option(False, "--strict", help="All lines or none: refuse if any line is short."),
    substitutes: bool | None = typer.Option(
        None,
        "--substitutes/--no-substitutes",
        help="Whether a short line may ship a substitute (default: no with --strict, else yes).",
    ),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record and book an order (a channel order is never refused: the shortfall is backordered)."""
    specs = [OrderLineSpec(sku, q) for sku, q, _ in parse_lines(lines)]
    show(
        place_order(STATE.db(), STATE.scope(), PlaceOrder(channel, external, specs, strict, substitutes), key), as_json
    )


def _change(
    act: str, order_id: int, lines: list[str], inventory_type: str | None, key: str | None, as_json: bool
) -> None:
    changes = [LineChange(sku, q, place, inventory_type) for sku, q, place in parse_lines(lines, with_place=True)]
    show(change_order(STATE.db(), STATE.scope(), act, order_id, changes or None, key), as_json)


@order_app.command("fulfil")
@translate_errors
def fulfil(
    order_id: int = typer.Argument(...),
    lines: list[str] = typer.Argument(None, help="SKU:QTY[@LOCATION] to ship part (default: everything booked)."),
    key: str | None = typer.Option(None, "--key"),
    tracking: str | None = typer.Option(None, "--tracking", help="Tracking number (with --carrier)."),
    carrier: str | None = typer.Option(None, "--carrier", help="Carrier (UPS, USPS, FedEx, DHL…)."),
    tracking_url: str | None = typer.Option(None, "--tracking-url", help="A link to follow the parcel."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pick, pack and ship (first expiry first out). With --tracking and --carrier, the shipment is pushed to
    the channel the order came from (Shopify, Amazon, eBay, WooCommerce) by the sync worker."""
    if tracking is None and carrier is None and tracking_url is None:
        _change("fulfil", order_id, lines or [], None, key, as_json)
        return
    changes = [LineChange(sku, q, place) for sku, q, place in parse_lines(lines or [], with_place=True)]
    shipment = Tracking(carrier or "", tracking or "", tracking_url)
    show(fulfil_order(STATE.db(), STATE.scope(), order_id, changes or None, key, shipment), as_json)


@order_app.command("cancel")
@translate_errors
def cancel(
    order_id: int = typer.Argument(...),
    lines: list[str] = typer.Argument(None, help="SKU:QTY to cancel part (default: everything not fulfilled)."),
    key: str | None = typer.Option(None, "--key"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Cancel what is not fulfilled: bookings are released, backorders dropped."""
    _change("cancel", order_id, lines or [], None, key, as_json)


@order_app.command("return")
@translate_errors
def return_(
    order_id: int = typer.Argument(...),
    lines: list[str] = typer.Argument(None, help="SKU:QTY[@LOCATION] (default: everything shipped, where it left)."),
    type_: str | None = typer.Option(None, "--type", help="Inventory type the units go back into (default good)."),
    key: str | None = typer.Option(None, "--key"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Put shipped units back into stock."""
    _change("return", order_id, lines or [], type_, key, as_json)


@order_app.command("line-supplier")
@translate_errors
def line_supplier(
    order_id: int = typer.Argument(..., help="The order's id."),
    line: int = typer.Argument(..., help="The line's number (from 1)."),
    supplier: str = typer.Argument(..., help="The supplier's code: its drop-ship location takes the line."),
    key: str | None = typer.Option(None, "--key"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Send an order line to a supplier: what is booked of it moves to the supplier's location, the
    purchase orders follow (the old supplier told, a line on the new one's, why "chosen by" you)."""
    show(send_line_to_supplier(STATE.db(), STATE.scope(), order_id, line, supplier, key), as_json)


@order_app.command("show")
@translate_errors
def show_order(order_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """An order with its bookings and backorders."""
    show(get_order(STATE.db(), STATE.scope(), order_id), as_json)


@order_app.command("list")
@translate_errors
def list_(
    status: str | None = typer.Option(None, "--status", help="open, fulfilled or cancelled."),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Orders, newest first."""
    rows = list_orders(STATE.db(), STATE.scope(), status, limit)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "channel", "external id", "status", "lines", "backordered")
    for order in rows:
        owed = sum(line.backorder.open for line in order.lines)
        table.add_row(
            str(order.id), order.channel, order.external_id, order.status, str(len(order.lines)), str(owed or "")
        )
    console.print(table)


@order_app.command("dropship")
@translate_errors
def dropship(
    supplier: str | None = typer.Option(None, "--supplier", help="Only this drop-ship location (its code)."),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Drop-ship purchase orders (lines booked at a dropship location), newest first: what to send each supplier."""
    rows = list_dropship_orders(STATE.db(), STATE.scope(), limit, supplier=supplier)
    if as_json:
        print_json(rows)
        return
    title = f"{len(rows)} drop-ship purchase order(s)"
    table = Table("at", "supplier", "channel", "order", "lines", "why this supplier", title=title)
    for r in rows:
        lines = ", ".join(f"{line.sku}×{line.quantity}" for line in r.lines)
        why = "; ".join(f"{line.sku}: {line.why}" for line in r.lines if line.why)
        table.add_row(r.at[:19], f"{r.supplier} ({r.supplier_name})", r.channel, r.external_id, lines, why)
    console.print(table)


def incidents(limit: int = typer.Option(50, "--limit"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Oversell incidents, newest first."""
    rows = list_incidents(STATE.db(), STATE.scope(), limit)
    if as_json:
        print_json(rows)
        return
    title = f"{len(rows)} oversell incident(s)"
    table = Table("at", "channel", "order", "sold", "SKU short", "short", "cause", title=title)
    for r in rows:
        sold = f"{r.sold_sku} ×{r.ordered}"
        table.add_row(r.at[:19], r.channel, r.external_id, sold, r.sku, str(r.quantity), r.cause)
    console.print(table)
