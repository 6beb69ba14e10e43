"""A variant's own supplier choice rule: which of the channel's sources it is taken from first,
whatever its channels' allocation says (:func:`truecount.domain.booking.sources.rule_of`). Kept in
``variants.supplier_choice``; the booking store reads it with the variant, and a plan made on
remembered stock is kept only for variants without one (the write checks it is still unset)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from truecount.adapters.db.engine import Database
from truecount.adapters.db.tables.catalog import variants
from truecount.domain.suppliers import SetSupplierChoice, check_choice_rule
from truecount.services.common.idempotency import run_once
from truecount.services.common.lookups import variant_id
from truecount.services.common.scope import Scope


@dataclass(frozen=True, slots=True)
class SupplierChoice:
    """A variant's own supplier choice rule (``None``: its channels' rules apply)."""

    sku: str
    rule: str | None
    replayed: bool = False


def set_supplier_choice(db: Database, scope: Scope, cmd: SetSupplierChoice, key: str | None = None) -> SupplierChoice:
    """Give ``cmd.sku`` its own rule, or (``rule`` ``None``) clear it."""
    check_choice_rule(cmd.rule)
    with db.write() as conn:
        payload = {"set_supplier_choice": [cmd.sku, cmd.rule]}
        return run_once(conn, scope.merchant_id, key, payload, lambda: _set(conn, scope, cmd), SupplierChoice)


def _set(conn: Connection, scope: Scope, cmd: SetSupplierChoice) -> SupplierChoice:
    vid = variant_id(conn, scope.merchant_id, cmd.sku)
    conn.execute(update(variants).where(variants.c.id == vid).values(supplier_choice=cmd.rule))
    sku = conn.execute(select(variants.c.sku).where(variants.c.id == vid)).scalar_one()
    return SupplierChoice(str(sku), cmd.rule)


def get_supplier_choice(db: Database, scope: Scope, sku: str) -> SupplierChoice:
    """``sku``'s own rule, ``None`` when it follows its channels'."""
    with db.read() as conn:
        vid = variant_id(conn, scope.merchant_id, sku)
        found = conn.execute(select(variants.c.sku, variants.c.supplier_choice).where(variants.c.id == vid)).one()
    return SupplierChoice(str(found.sku), found.supplier_choice)
