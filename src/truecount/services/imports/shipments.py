"""Suppliers' shipments from CSV (``po ship --csv FILE``, ``POST /api/v1/purchase-orders/shipments:csv``):
all or nothing, each refusal naming its row and column.

Columns (UTF-8, header row, column order free): ``po_number`` (``PO-000042``), ``sku`` (ours),
``quantity``, ``carrier``, ``tracking``, and optionally ``tracking_url``. The rows of one purchase
order and tracking number make one shipment (their carrier must agree); every shipment of the file
is recorded in one transaction, or none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from truecount.adapters.db.engine import Database
from truecount.domain.errors import InvalidInput, TruecountError
from truecount.domain.shipments import ShipLine, ShipPurchaseOrder, check
from truecount.services.common.idempotency import run_once
from truecount.services.common.retry import with_retry
from truecount.services.common.scope import Scope
from truecount.services.imports.importer import Row, cell_int, read_text_rows, row_error
from truecount.services.shipping.ship import Shipped, ship_in

SHIPMENT_COLUMNS = ("po_number", "sku", "quantity", "carrier", "tracking", "tracking_url")
SHIPMENT_REQUIRED = ("po_number", "sku", "quantity", "carrier", "tracking")
MAX_TEXT_CHARS = 5_000_000
_PO = re.compile(r"PO-(\d{1,12})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ShipmentsUploaded:
    """What a file recorded: its rows and each shipment (a shipment already recorded counts as not created)."""

    rows: int
    shipments: list[Shipped]
    replayed: bool = False


@dataclass
class _Group:
    po_id: int
    rows: list[Row]
    command: ShipPurchaseOrder


def ship_csv(db: Database, scope: Scope, text: str, key: str | None = None) -> ShipmentsUploaded:
    """Record every shipment of the CSV ``text`` (see the module); the first bad row refuses the file."""
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"is longer than {MAX_TEXT_CHARS} characters", field="file")
    rows, count = read_text_rows(text, "the file", SHIPMENT_COLUMNS, SHIPMENT_REQUIRED)
    if not rows:
        raise InvalidInput("has no rows after its header", field="file")
    groups = _groups(rows, scope.max_quantity)

    def act() -> ShipmentsUploaded:
        with db.write() as conn:

            def each() -> ShipmentsUploaded:
                done = []
                for group in groups:
                    try:
                        done.append(ship_in(conn, scope, group.po_id, group.command, "csv"))
                    except TruecountError as error:
                        raise _at_row(group, error) from None
                return ShipmentsUploaded(count, done)

            return run_once(conn, scope.merchant_id, key, {"ship_csv": text}, each, ShipmentsUploaded)

    return with_retry(act)


def _groups(rows: list[Row], max_quantity: int) -> list[_Group]:
    groups: dict[tuple[int, str], _Group] = {}
    for row in rows:
        cells, n = row.cells, row.number
        found = _PO.fullmatch(cells.get("po_number", ""))
        if found is None:
            what = cells.get("po_number", "")
            raise row_error(n, "po_number", f"{what!r} must be a purchase order number like PO-000042")
        quantity = cell_int(row, "quantity")
        line = ShipLine(cells.get("sku", ""), quantity)
        one = ShipPurchaseOrder(cells.get("carrier", ""), cells.get("tracking", ""), cells.get("tracking_url") or None)
        try:
            checked = check(ShipPurchaseOrder(one.carrier, one.tracking, one.tracking_url, (line,)), max_quantity)
        except InvalidInput as error:
            raise row_error(n, _column(error.field), error.message) from None
        group = groups.get((int(found.group(1)), checked.tracking))
        if group is None:
            groups[(int(found.group(1)), checked.tracking)] = _Group(int(found.group(1)), [row], checked)
            continue
        if group.command.carrier != checked.carrier:
            raise row_error(
                n, "carrier", f"{checked.carrier!r} differs from {group.command.carrier!r} for this tracking"
            )
        group.rows.append(row)
        lines = (*(group.command.lines or ()), *(checked.lines or ()))
        group.command = ShipPurchaseOrder(
            group.command.carrier, group.command.tracking, group.command.tracking_url, lines
        )
    return list(groups.values())


def _column(field: str | None) -> str:
    """``lines[0].quantity`` → ``quantity``; ``lines[3].sku`` → ``sku``; ``tracking`` as is."""
    leaf = (field or "po_number").rsplit(".", 1)[-1]
    return {"id": "po_number", "lines": "sku", "state": "po_number"}.get(leaf, leaf)


def _at_row(group: _Group, error: TruecountError) -> TruecountError:
    """A refusal of a group's shipment, named at the row of the line it concerns (else the group's first)."""
    found = re.match(r"lines\[(\d+)\]", error.field or "")
    index = int(found.group(1)) if found else 0
    row = group.rows[index] if index < len(group.rows) else group.rows[0]
    refused = row_error(row.number, _column(error.field), error.message)
    return (
        type(error)(refused.message, refused.field, refused.details) if not isinstance(error, InvalidInput) else refused
    )
