"""A drop-shipper with a feed: ACME behind DS-A carrying SNK (its AC-SNK) and CAP (AC-CAP); the
channel ``web`` lists both, drawing on WH1 and DS-A; files written into a folder the feed watches."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from tests import factories as f
from tests import offer_factories as of
from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.ledger import movements
from truecount.domain.feeds import AddFeed
from truecount.domain.suppliers import AddSupplier, SetSupplierItem
from truecount.services.common.scope import Scope
from truecount.services.feeds.records import Feed, FeedRun, add_feed
from truecount.services.feeds.run import run_feed
from truecount.services.stock.levels import stock
from truecount.services.suppliers.records import add_supplier, get_supplier, set_supplier_item

FOLDERS = [tempfile.gettempdir()]  # where the tests' feeds may read local files (every tmp_path is below)
MAPPING = ["Art.Nr=supplier_sku", "Bestand=quantity", "Preis=cost", "EOL=discontinued"]


def dropshipper(db: Database, scope: Scope) -> None:
    f.location(db, scope, "WH1", priority=1)
    f.location(db, scope, "DS-A", kind="dropship", priority=5)
    add_supplier(db, scope, AddSupplier("ACME", "ACME Ltd", "po@acme.example", "DS-A"))
    for sku in ("SNK", "CAP"):
        f.variant(db, scope, sku)
        set_supplier_item(db, scope, SetSupplierItem("ACME", sku, "10.00", f"AC-{sku}"))
    f.receive(db, scope, "CAP", 2, "WH1")
    of.channel(db, scope, "web", ["WH1", "DS-A"])
    of.listing(db, scope, "web", "SNK")
    of.listing(db, scope, "web", "CAP")


def feed(db: Database, scope: Scope, source: str | Path, **kwargs: Any) -> Feed:
    kwargs.setdefault("mapping", MAPPING)
    kwargs.setdefault("every", "60m")
    return add_feed(db, scope, AddFeed("ACME", str(source), **kwargs), folders=FOLDERS)


def run(db: Database, scope: Scope, supplier: str = "ACME") -> FeedRun:
    """Run the feed now, as a person does."""
    return run_feed(db, scope, supplier, folders=FOLDERS)


def write_csv(folder: Path, name: str, text: str, mtime: int) -> Path:
    """A file dropped into the folder, ``mtime`` seconds after the epoch (the newest wins)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def write_xlsx(folder: Path, name: str, rows: list[list[Any]], mtime: int) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = folder / name
    book.save(path)
    os.utime(path, (mtime, mtime))
    return path


def at_supplier(db: Database, scope: Scope) -> dict[str, int]:
    """On hand at DS-A by SKU."""
    return {r.sku: r.on_hand for r in stock(db, scope, location="DS-A")}


def costs(db: Database, scope: Scope) -> dict[str, str]:
    return {i.sku: i.cost for i in get_supplier(db, scope, "ACME").items or []}


def feed_movements(db: Database, scope: Scope) -> int:
    with db.read() as conn:
        found = conn.execute(
            select(func.count()).where(movements.c.merchant_id == scope.merchant_id, movements.c.kind == "feed")
        ).scalar()
    return int(found or 0)
