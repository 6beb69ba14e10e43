"""variant_available cheaper to keep on SQLite: the levels' row triggers of 0037 replaced

The figure is the same (Σ on_hand − booked over a variant's levels at feeding places in sellable
types, see 0037); on SQLite what it costs a write of the levels is less:

- an update that moves only ``booked`` (booking, releasing) or only ``on_hand`` (a count, a
  receipt at a level that exists) at the same key adds its one delta (it fits 64 bits: both values
  do) in one upsert, instead of taking the old row out and putting the new one in (two upserts);
  any other update (both moved, a key changed) still takes the old row out and puts the new one in;
- each upsert looks the place and the type up in one subquery (was two);
- ``variant_available`` is a ``WITHOUT ROWID`` table: its key is the table's own b-tree, so an
  upsert finds the row in one search, not in the key's index and then the table.

PostgreSQL keeps 0037's statement-level triggers: the shapes tried instead (new and old rows
paired by key, the places looked up by key, a row-level trigger) cost a write as much or more
(docs/benchmarks.md, "What the kept figure costs booking").

A later migration that rebuilds ``stock_levels`` or ``variants`` on SQLite must create the
triggers again (:func:`sqlite_triggers` here, 0037's ``sqlite_triggers`` for the variants').

Revision ID: 0039
Revises: 0038
"""

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def _migration_0037() -> ModuleType:
    """0037's module: its sum guard and its triggers (the variants' one, and the old ones for the downgrade)."""
    path = Path(__file__).with_name("0037_variant_available.py")
    spec = importlib.util.spec_from_file_location("_variant_available_0037", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_before = _migration_0037()

_COUNTS = (
    "EXISTS (SELECT 1 FROM locations l JOIN inventory_types t ON t.id = {r}.inventory_type_id AND t.sellable "
    "WHERE l.id = {r}.location_id AND l.feeds)"
)


def _upsert(r: str, delta: str) -> str:
    """Upsert adding ``delta`` to the figure of the variant of level ``r`` (NEW or OLD) when ``r`` counts."""
    return (
        "INSERT INTO variant_available (merchant_id, variant_id, available) "
        f"SELECT {r}.merchant_id, {r}.variant_id, {delta} WHERE {_COUNTS.format(r=r)} "
        f"ON CONFLICT (merchant_id, variant_id) DO UPDATE SET available = {_before._SQLITE_SUM};"
    )


_SAME_KEY = (
    "NEW.merchant_id = OLD.merchant_id AND NEW.variant_id = OLD.variant_id AND NEW.location_id = OLD.location_id "
    "AND NEW.inventory_type_id = OLD.inventory_type_id"
)
LEVEL_TRIGGERS = ("level_in", "level_booked", "level_on_hand", "level_change", "level_out")


def sqlite_triggers() -> list[str]:
    """The SQLite triggers on ``stock_levels`` keeping ``variant_available``."""
    return [
        "CREATE TRIGGER IF NOT EXISTS variant_available_level_in AFTER INSERT ON stock_levels BEGIN "
        f"{_upsert('NEW', 'NEW.on_hand - NEW.booked')} END",
        "CREATE TRIGGER IF NOT EXISTS variant_available_level_booked AFTER UPDATE ON stock_levels "
        f"WHEN NEW.booked <> OLD.booked AND NEW.on_hand = OLD.on_hand AND {_SAME_KEY} BEGIN "
        f"{_upsert('NEW', 'OLD.booked - NEW.booked')} END",
        "CREATE TRIGGER IF NOT EXISTS variant_available_level_on_hand AFTER UPDATE ON stock_levels "
        f"WHEN NEW.on_hand <> OLD.on_hand AND NEW.booked = OLD.booked AND {_SAME_KEY} BEGIN "
        f"{_upsert('NEW', 'NEW.on_hand - OLD.on_hand')} END",
        "CREATE TRIGGER IF NOT EXISTS variant_available_level_change AFTER UPDATE ON stock_levels "
        f"WHEN NOT ({_SAME_KEY}) OR (NEW.on_hand <> OLD.on_hand AND NEW.booked <> OLD.booked "
        "AND NEW.on_hand - NEW.booked <> OLD.on_hand - OLD.booked) BEGIN "
        f"{_upsert('OLD', 'OLD.booked - OLD.on_hand')} {_upsert('NEW', 'NEW.on_hand - NEW.booked')} END",
        "CREATE TRIGGER IF NOT EXISTS variant_available_level_out AFTER DELETE ON stock_levels BEGIN "
        f"{_upsert('OLD', 'OLD.booked - OLD.on_hand')} END",
    ]


def _rebuild(with_rowid: bool) -> None:
    """``variant_available`` copied into a table with or without a rowid (its rows, its index)."""
    id_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "variant_available_copy",
        sa.Column("merchant_id", id_type, primary_key=True),
        sa.Column("variant_id", id_type, primary_key=True),
        sa.Column("available", sa.Integer(), nullable=True, server_default="0"),
        sqlite_with_rowid=with_rowid,
    )
    op.execute(
        "INSERT INTO variant_available_copy (merchant_id, variant_id, available) "
        "SELECT merchant_id, variant_id, available FROM variant_available"
    )
    op.drop_index("ix_variant_available_merchant_available", "variant_available")
    op.drop_table("variant_available")
    op.rename_table("variant_available_copy", "variant_available")
    op.create_index("ix_variant_available_merchant_available", "variant_available", ["merchant_id", "available"])


def _variants_trigger() -> str:
    return str(next(t for t in _before.sqlite_triggers() if "ON variants" in t))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    # The triggers name the table: dropped before it is rebuilt (SQLite checks them on the rename).
    for name in ("new_variant", "level_in", "level_change", "level_out"):
        op.execute(f"DROP TRIGGER variant_available_{name}")
    _rebuild(with_rowid=False)
    for statement in [_variants_trigger(), *sqlite_triggers()]:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("DROP TRIGGER variant_available_new_variant")
    for name in LEVEL_TRIGGERS:
        op.execute(f"DROP TRIGGER variant_available_{name}")
    _rebuild(with_rowid=True)
    for statement in _before.sqlite_triggers():
        op.execute(statement)
