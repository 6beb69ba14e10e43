"""A feed file (CSV or XLSX) as rows of cells by column, checked as ``import`` checks a file: UTF-8
(a BOM accepted), a header row naming every mapped column once, cells of at most
:data:`~truecount.services.imports.importer.MAX_CELL` characters, no NUL. Rows are numbered as a
spreadsheet shows them (the header is row 1); blank rows are skipped; the file's other columns are
ignored (a supplier's file carries more than we read)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import load_workbook

from truecount.domain.errors import InvalidInput
from truecount.services.imports.importer import MAX_CELL, Row, row_error


def format_of(name: str, chosen: str | None) -> str:
    """The file's format: the feed's, else its name's extension (``.xlsx``: XLSX, else CSV)."""
    if chosen:
        return chosen
    return "xlsx" if name.lower().endswith(".xlsx") else "csv"


def read_feed_file(name: str, content: bytes, fmt: str, columns: list[str]) -> list[Row]:
    """The file's data rows (cells by header name); a file that cannot be read, or lacks a mapped
    column, is refused naming ``file`` or ``header``."""
    raw = _xlsx_rows(name, content) if fmt == "xlsx" else _csv_rows(name, content)
    if not raw or not any(c.strip() for c in raw[0]):
        raise InvalidInput(f"{name} is empty: a header row is required ({', '.join(columns)})", field="file")
    header = [h.strip() for h in raw[0]]
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]) and header[0] not in columns:
        raise InvalidInput(
            f"the header {header[0]!r} is one column: separate columns with commas ({', '.join(columns)})",
            field="header",
        )
    twice = sorted({h for h in header if h and header.count(h) > 1 and h in columns})
    if twice:
        raise InvalidInput(f"column(s) {', '.join(twice)} appear more than once", field="header")
    missing = [c for c in columns if c not in header]
    if missing:
        raise InvalidInput(f"missing column(s) {', '.join(missing)} (the mapping reads them)", field="header")
    at = {c: header.index(c) for c in columns}
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        cells = {c: (values[i].strip() if i < len(values) else "") for c, i in at.items()}
        if not any(cells.values()) and not any(v.strip() for v in values):
            continue
        for column, value in cells.items():
            if "\x00" in value:
                raise row_error(number, column, "contains a NUL character (is this a binary file?)")
            if len(value) > MAX_CELL:
                raise row_error(number, column, f"is longer than {MAX_CELL} characters")
        rows.append(Row(number, cells))
    return rows


def _csv_rows(name: str, content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise InvalidInput(f"{name} is not UTF-8 text (byte {bad.start})", field="file") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [list(r) for r in reader]
    except csv.Error as bad:
        raise InvalidInput(f"{name} is not a readable CSV file (line {reader.line_num}: {bad})", field="file") from None


def _xlsx_rows(name: str, content: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput(f"{name} is not a readable XLSX workbook", field="file") from None
    try:
        sheet = book.worksheets[0]
        return [["" if v is None else _text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
