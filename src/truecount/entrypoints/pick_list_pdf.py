"""A pick list as a printable PDF (fpdf2): one table in walking order, a box to tick per line.

Shared by ``truecount picklist --pdf`` and the page's ``/pick-lists/{id}.pdf``. Written uncompressed
(a pick list is a page or two), in the PDF core font: characters it cannot show print as ``?``.
"""

from __future__ import annotations

from fpdf import FPDF

from truecount.services.picking.lists import PickLine, PickList

COLUMNS = (("Place", 30), ("SKU", 42), ("Lot", 30), ("Expires", 22), ("Qty", 14), ("For", 34), ("Picked", 18))


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def source(line: PickLine) -> str:
    """Who a line is picked for: ``order 12`` or ``work order 3``."""
    return f"order {line.order}" if line.order is not None else f"work order {line.work_order}"


def pick_list_pdf(picks: PickList) -> bytes:
    """The pick list as PDF bytes."""
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_title(f"Pick list {picks.id}")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 9, _latin(f"Pick list {picks.id} at {picks.location}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    asked = [f"order {i}" for i in picks.orders] + [f"work order {i}" for i in picks.work_orders]
    made = f"For {', '.join(asked)}. Made {picks.created_at[:16].replace('T', ' ')} by {picks.created_by}."
    pdf.multi_cell(0, 5, _latin(made), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", style="B", size=9)
    for title, width in COLUMNS:
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=9)
    for line in picks.lines:
        picked = "done" if line.picked == line.quantity else (str(line.picked) if line.picked else "")
        cells = (line.place, line.sku, line.lot, line.expires_on or "", str(line.quantity), source(line), picked)
        for (_, width), text in zip(COLUMNS, cells, strict=True):
            pdf.cell(width, 7, _latin(text), border=1)
        pdf.ln()
    return bytes(pdf.output())
