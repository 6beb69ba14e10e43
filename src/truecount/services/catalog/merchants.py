"""Merchants (tenants): add one (with the default inventory types) and list them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import merchants
from truecount.domain.errors import AlreadyExists, InvalidInput

from .records import check_code, ensure_merchant


@dataclass(frozen=True, slots=True)
class MerchantRow:
    """A merchant (tenant): its id, code and display name."""

    id: int
    code: str
    name: str


def add_merchant(db: Database, code: str, name: str | None = None) -> MerchantRow:
    """A new merchant with the default inventory types (``good``, ``damaged``); an existing code is refused."""
    check_code(code, "code")
    if len(code) > 64:
        raise InvalidInput("is longer than 64 characters", field="code")
    shown = (name or code).strip()
    if not shown or len(shown) > 200 or not shown.isprintable():
        raise InvalidInput("must be 1 to 200 printable characters", field="name")
    with db.write() as conn:
        if conn.execute(select(merchants.c.id).where(merchants.c.code == code)).first():
            raise AlreadyExists(f"merchant {code!r} already exists", field="code")
        merchant_id = ensure_merchant(conn, code, shown)
    return MerchantRow(merchant_id, code, shown)


def list_merchants(db: Database) -> list[MerchantRow]:
    """Every merchant of the database, by code."""
    with db.read() as conn:
        rows = conn.execute(select(merchants.c.id, merchants.c.code, merchants.c.name).order_by(merchants.c.code))
        return [MerchantRow(int(r.id), r.code, r.name) for r in rows]
