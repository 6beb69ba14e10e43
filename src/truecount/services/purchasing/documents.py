"""A purchase order as the supplier receives it: a PDF (fpdf2) and a CSV, both from its view.

The PDF is written uncompressed (its text stays searchable in the bytes; a purchase order is one or
two pages) with the core Helvetica font, which covers Latin-1: a character outside it is printed as
``?`` (the CSV, UTF-8, keeps every character).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from truecount.domain.suppliers import cost_text

from .records import PurchaseOrderView

CSV_COLUMNS = (
    "po_number", "supplier", "order", "line", "sku", "supplier_sku", "quantity", "unit_cost", "currency",
)  # fmt: skip

#: Headings by what the document tells the supplier.
HEADINGS = {
    "order": "Purchase order",
    "amended": "Purchase order - amended",
    "cancelled": "Purchase order - cancelled",
    "follow_up": "Purchase order - reminder",
}


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def open_lines(po: PurchaseOrderView) -> list[tuple[str, str, str, str, int, str, str]]:
    """The lines still asked for: ``(order, line, sku, supplier_sku, quantity, unit_cost, line_total)``
    (quantity less what was cancelled; a line cancelled whole is left out)."""
    rows = []
    for line in po.lines:
        asked = line.quantity - line.cancelled
        if asked <= 0:
            continue
        total = "" if line.unit_cost is None else cost_text(Decimal(line.unit_cost) * asked)
        rows.append(
            (
                f"{line.channel}/{line.external_id}",
                str(line.line),
                line.sku,
                line.supplier_sku or "",
                asked,
                line.unit_cost or "",
                total,
            )
        )
    return rows


def render_pdf(po: PurchaseOrderView, purpose: str = "order") -> bytes:
    """The purchase order as PDF bytes (``purpose``: order, amended, cancelled or follow_up)."""
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_title(_latin1(f"{po.number} {HEADINGS[purpose]}"))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, _latin1(f"{HEADINGS[purpose]} {po.number}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for text in (
        f"To: {po.supplier_name} ({po.supplier}) <{po.email}>",
        f"Date: {(po.sent_at or po.created_at)[:10]}    State: {po.state}    Currency: {po.currency}",
    ):
        pdf.cell(0, 6, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    widths = (38, 10, 36, 32, 16, 26, 26)
    pdf.set_font("Helvetica", style="B", size=9)
    for width, title in zip(widths, ("Order", "Line", "Our SKU", "Your SKU", "Qty", "Unit cost", "Total"), strict=True):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    rows = open_lines(po)
    for row in rows:
        for width, value in zip(widths, row, strict=True):
            pdf.cell(width, 6, _latin1(str(value)), border=1)
        pdf.ln()
    if not rows:
        pdf.cell(0, 7, "Nothing is asked for any more: every line was cancelled.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("Helvetica", style="B", size=10)
    pdf.cell(0, 7, _latin1(f"Total {po.total} {po.currency}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def render_csv(po: PurchaseOrderView) -> str:
    """The lines still asked for as CSV (UTF-8 text, a header row of :data:`CSV_COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for order, line, sku, supplier_sku, quantity, unit_cost, _total in open_lines(po):
        writer.writerow((po.number, po.supplier, order, line, sku, supplier_sku, quantity, unit_cost, po.currency))
    return out.getvalue()
