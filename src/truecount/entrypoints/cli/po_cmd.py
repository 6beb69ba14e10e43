"""``po list|show|send|ack|cancel|ship|inbox``: drop-ship purchase orders; ``po template show|set``: their
mails' texts."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from truecount.domain.errors import InvalidInput, NotFound
from truecount.services.purchasing import documents, records, sending, templates
from truecount.services.purchasing.records import PurchaseOrderView

from .common import STATE, console, print_json, translate_errors

po_app = typer.Typer(
    help="Drop-ship purchase orders: list, show (PDF), send, acknowledge, cancel, ship (tracking), inbox.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(po_app, name="po")


def _summary(po: PurchaseOrderView) -> str:
    facts = ", ".join(
        f"{name} {value[:16].replace('T', ' ')}"
        for name, value in (
            ("sent", po.sent_at),
            ("acknowledged", po.acknowledged_at),
            ("shipped", po.shipped_at),
            ("cancelled", po.cancelled_at),
        )
        if value
    )
    return f"{po.number} to {po.supplier} ({po.supplier_name} <{po.email}>): {po.state}" + (
        f", {facts}" if facts else ""
    )


@po_app.command("list")
@translate_errors
def po_list(
    supplier: str | None = typer.Option(None, "--supplier", help="Only this supplier's (its code)."),
    state: str | None = typer.Option(None, "--state", help="Only in this state (draft, sent, acknowledged…)."),
    limit: int = typer.Option(50, "--limit", help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Purchase orders, newest first."""
    rows = records.list_purchase_orders(STATE.db(), STATE.scope(), supplier=supplier, state=state, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "id", "number", "supplier", "state", "lines", "total", "sent", "error", title=f"{len(rows)} purchase order(s)"
    )
    for po in rows:
        table.add_row(
            str(po.id), po.number, po.supplier, po.state, str(len(po.lines)), f"{po.total} {po.currency}",
            (po.sent_at or "")[:16].replace("T", " "), po.send_error or "",
        )  # fmt: skip
    console.print(table)


@po_app.command("show")
@translate_errors
def po_show(
    po_id: int = typer.Argument(..., metavar="ID", help="The purchase order's id."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Also write the PDF the supplier receives to FILE."),
    csv_file: Path | None = typer.Option(None, "--csv", help="Also write its lines as CSV to FILE."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """One purchase order and its lines (and its PDF or CSV written to a file)."""
    po = records.get_purchase_order(STATE.db(), STATE.scope(), po_id)
    if pdf is not None:
        pdf.write_bytes(documents.render_pdf(po))
    if csv_file is not None:
        csv_file.write_text(documents.render_csv(po), encoding="utf-8", newline="")
    if as_json:
        print_json(po)
        return
    console.print(_summary(po))
    if po.send_error:
        console.print(f"last send failed ({po.send_attempts} attempt(s)): {po.send_error}")
    table = Table("order", "line", "SKU", "supplier SKU", "qty", "cancelled", "shipped", "unit cost", title=po.number)
    for line in po.lines:
        table.add_row(
            f"{line.channel}/{line.external_id}", str(line.line), line.sku, line.supplier_sku or "",
            str(line.quantity), str(line.cancelled), str(line.shipped), line.unit_cost or "",
        )  # fmt: skip
    console.print(table)
    for shipment in po.shipments:
        carried = ", ".join(f"{x.quantity} x {x.sku} ({x.channel}/{x.external_id})" for x in shipment.lines)
        console.print(f"shipment {shipment.carrier} {shipment.tracking} {shipment.shipped_at[:16]}: {carried}")
    for path in (pdf, csv_file):
        if path is not None:
            console.print(f"wrote {path}")


@po_app.command("send")
@translate_errors
def po_send(
    po_id: int = typer.Argument(..., metavar="ID", help="The purchase order's id."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Mail a draft purchase order to its supplier now (through TRUECOUNT_SMTP_HOST)."""
    from truecount.entrypoints.mailer import mailer_from
    from truecount.settings import get_settings

    settings = get_settings()
    po = sending.send_purchase_order(STATE.db(), STATE.scope(), po_id, mailer_from(settings), settings.po_retry_s)
    if as_json:
        print_json(po)
    else:
        console.print(_summary(po))


@po_app.command("ack")
@translate_errors
def po_ack(
    po_id: int = typer.Argument(..., metavar="ID", help="The purchase order's id."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Record that the supplier acknowledged a sent purchase order."""
    po = records.acknowledge(STATE.db(), STATE.scope(), po_id, key)
    if as_json:
        print_json(po)
    else:
        console.print(_summary(po))


@po_app.command("cancel")
@translate_errors
def po_cancel(
    po_id: int = typer.Argument(..., metavar="ID", help="The purchase order's id."),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Cancel a purchase order (a supplier who has it is told by mail)."""
    po = records.cancel(STATE.db(), STATE.scope(), po_id, key)
    if as_json:
        print_json(po)
    else:
        console.print(_summary(po))


template_app = typer.Typer(
    help="The mails suppliers receive (send, amend, cancel, follow-up): show, replace or reset their text.",
    no_args_is_help=True,
)
po_app.add_typer(template_app, name="template")


@template_app.command("show")
@translate_errors
def template_show(
    name: str | None = typer.Argument(None, metavar="NAME", help="send, amend, cancel or follow-up (none: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """A mail template's text as it is mailed now (the merchant's own, else the built-in one)."""
    found = (
        templates.list_templates(STATE.db(), STATE.scope())
        if name is None
        else [templates.get_template(STATE.db(), STATE.scope(), name)]
    )
    if as_json:
        print_json(found if name is None else found[0])
        return
    for shown in found:
        if name is None:
            console.print(f"[bold]{shown.name}[/bold] ({'own text' if shown.custom else 'built-in'})")
        console.print(shown.body, markup=False, highlight=False, end="" if shown.body.endswith("\n") else "\n")


@template_app.command("set")
@translate_errors
def template_set(
    name: str = typer.Argument(..., metavar="NAME", help="send, amend, cancel or follow-up."),
    file: Path | None = typer.Option(None, "--file", help="The new text (UTF-8), with $placeholders."),
    reset: bool = typer.Option(False, "--reset", help="Back to the built-in text."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Replace a mail template with the text of FILE (placeholders checked: an unknown one is refused
    naming it, nothing saved), or ``--reset`` it to the built-in text."""
    if (file is not None) == reset:
        raise InvalidInput("give --file FILE or --reset (one of them)", field="file")
    if file is None:
        shown = templates.reset_template(STATE.db(), STATE.scope(), name)
    else:
        if not file.is_file():
            raise NotFound(f"no file {str(file)!r}", field="file")
        shown = templates.set_template(STATE.db(), STATE.scope(), name, file.read_text(encoding="utf-8"))
    if as_json:
        print_json(shown)
    else:
        console.print(f"template {shown.name}: {'saved' if shown.custom else 'back to the built-in text'}")


@po_app.command("ship")
@translate_errors
def po_ship(
    po_id: int | None = typer.Argument(None, metavar="ID", help="The purchase order's id (not with --csv)."),
    tracking: str | None = typer.Option(None, "--tracking", help="The carrier's tracking number."),
    carrier: str | None = typer.Option(None, "--carrier", help="The carrier (UPS, DHL…)."),
    line: list[str] = typer.Option([], "--line", help="SKU:QTY shipped (repeat; none: everything still open)."),
    url: str | None = typer.Option(None, "--url", help="A tracking URL."),
    csv_file: Path | None = typer.Option(
        None, "--csv", help="Ship from a CSV file: po_number,sku,quantity,carrier,tracking (all or nothing)."
    ),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Record a supplier's shipment: ships the customer's order lines it covers and moves the purchase order."""
    from truecount.domain.errors import InvalidInput
    from truecount.domain.shipments import ShipPurchaseOrder, parse_line
    from truecount.services.imports.shipments import ship_csv
    from truecount.services.shipping.ship import ship_purchase_order

    if csv_file is not None:
        if po_id is not None or tracking or carrier or line:
            raise InvalidInput("--csv takes the purchase orders, tracking and lines from the file alone", field="csv")
        try:
            text = csv_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as bad:
            raise InvalidInput(f"{csv_file} cannot be read as UTF-8 text: {bad}", field="file") from None
        uploaded = ship_csv(STATE.db(), STATE.scope(), text, key)
        if as_json:
            print_json(uploaded)
            return
        for done in uploaded.shipments:
            console.print(_shipped_text(done.purchase_order, done.shipment.tracking, done.created))
        return
    if po_id is None:
        raise InvalidInput("name the purchase order to ship (its id) or give --csv FILE", field="id")
    command = ShipPurchaseOrder(
        carrier or "", tracking or "", url, tuple(parse_line(x, i) for i, x in enumerate(line)) or None
    )
    done = ship_purchase_order(STATE.db(), STATE.scope(), po_id, command, "cli", key)
    if as_json:
        print_json(done)
    else:
        console.print(_shipped_text(done.purchase_order, done.shipment.tracking, done.created))


def _shipped_text(po: PurchaseOrderView, tracking: str, created: bool) -> str:
    shipped = sum(x.shipped for x in po.lines)
    what = "shipped" if created else "already recorded"
    return f"{po.number} {tracking}: {what}; {shipped} unit(s) shipped in all, now {po.state}"


@po_app.command("inbox")
@translate_errors
def po_inbox(
    path: Path = typer.Argument(..., metavar="PATH", help="A Maildir directory or an mbox file of suppliers' replies."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Read suppliers' replies once each: tracking numbers become shipments, acknowledgements acknowledge."""
    from truecount.services.shipping.inbox import read_inbox

    scope = STATE.scope()
    report = read_inbox(
        STATE.db(), path, merchant_id=scope.merchant_id, actor=scope.actor, max_quantity=scope.max_quantity
    )
    if as_json:
        print_json(report)
        return
    table = Table("message", "subject", "purchase order", "outcome", "detail", title=f"{len(report.entries)} read now")
    for entry in report.entries:
        table.add_row(
            entry.message_id or "(none)", entry.subject, entry.purchase_order or "", entry.outcome, entry.detail
        )
    console.print(table)
    console.print(f"{report.already_read} read before")
