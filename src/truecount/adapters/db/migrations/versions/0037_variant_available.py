"""variant_available: each variant's available figure kept by the database, for the stock screen's filters

``variant_available.available`` (NUMERIC on PostgreSQL: a sum of 64-bit levels) is Σ (on_hand −
booked) over the variant's stock levels at places that feed the channels (``locations.feeds``) in
sellable inventory types — before expired lots are left out. The stock screen's **low** and **out of stock** filters read it instead of summing every
variant's levels. Triggers on ``stock_levels`` keep it in the statement that writes the levels,
whoever writes them; a trigger on ``variants`` gives each new variant its row (0).

- PostgreSQL: statement-level triggers (transition tables): one upsert per statement, the
  variants' rows taken in (merchant, variant) order.
- SQLite: row-level triggers. A figure past SQLite's 64-bit integers is stored NULL ("not
  kept"; the search works such a variant out from its row, as it does a variant with expired stock).

``locations.feeds`` is the feeding rule (``domain.places.feeding``) stored per place; the location
writers keep it (``services.common.available.refresh_feeding``) and recompute the figures of the
variants stocked where it changed. verify audits both.

A later migration that rebuilds ``stock_levels`` or ``variants`` on SQLite (``batch_alter_table``)
drops their triggers with the old table: it must create them again (:func:`sqlite_triggers`).

Revision ID: 0037
Revises: 0036
"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

_FEEDS = "EXISTS (SELECT 1 FROM locations l WHERE l.id = {r}.location_id AND l.feeds)"
_SELLS = "EXISTS (SELECT 1 FROM inventory_types t WHERE t.id = {r}.inventory_type_id AND t.sellable)"


#: SQLite's integers stop at 64 bits (a sum past them turns into an inexact REAL): a figure that
#: would leave them is stored NULL, "not kept", and stays so (the search judges it by its row).
_SQLITE_SUM = (
    "CASE WHEN excluded.available > 0 AND available > 9223372036854775807 - excluded.available THEN NULL "
    "WHEN excluded.available < 0 AND available < (-9223372036854775807 - 1) - excluded.available THEN NULL "
    "ELSE available + excluded.available END"
)


def _sqlite_add(r: str, sign: str) -> str:
    """Upsert adding ``sign`` (r.on_hand − r.booked) when the level ``r`` (NEW or OLD) feeds."""
    return (
        "INSERT INTO variant_available (merchant_id, variant_id, available) "
        f"SELECT {r}.merchant_id, {r}.variant_id, {sign}({r}.on_hand - {r}.booked) "
        f"WHERE {_FEEDS.format(r=r)} AND {_SELLS.format(r=r)} "
        f"ON CONFLICT (merchant_id, variant_id) DO UPDATE SET available = {_SQLITE_SUM};"
    )


def sqlite_triggers() -> list[str]:
    """The SQLite triggers keeping ``variant_available``."""
    return [
        "CREATE TRIGGER IF NOT EXISTS variant_available_new_variant AFTER INSERT ON variants BEGIN "
        "INSERT OR IGNORE INTO variant_available (merchant_id, variant_id, available) "
        "VALUES (NEW.merchant_id, NEW.id, 0); END",
        f"CREATE TRIGGER IF NOT EXISTS variant_available_level_in AFTER INSERT ON stock_levels BEGIN "
        f"{_sqlite_add('NEW', '+')} END",
        "CREATE TRIGGER IF NOT EXISTS variant_available_level_change AFTER UPDATE ON stock_levels "
        "WHEN NEW.on_hand - NEW.booked <> OLD.on_hand - OLD.booked OR NEW.merchant_id <> OLD.merchant_id "
        "OR NEW.variant_id <> OLD.variant_id OR NEW.location_id <> OLD.location_id "
        "OR NEW.inventory_type_id <> OLD.inventory_type_id BEGIN "
        f"{_sqlite_add('OLD', '-')} {_sqlite_add('NEW', '+')} END",
        f"CREATE TRIGGER IF NOT EXISTS variant_available_level_out AFTER DELETE ON stock_levels BEGIN "
        f"{_sqlite_add('OLD', '-')} END",
    ]


def _pg_upsert(rows: str) -> str:
    """The upsert of the feeding deltas in ``rows`` (merchant_id, variant_id, location_id,
    inventory_type_id, free), summed per variant, in (merchant, variant) order."""
    return f"""
    INSERT INTO variant_available AS a (merchant_id, variant_id, available)
    SELECT d.merchant_id, d.variant_id, sum(d.free)
    FROM ({rows}) d
    JOIN locations l ON l.id = d.location_id AND l.feeds
    JOIN inventory_types t ON t.id = d.inventory_type_id AND t.sellable
    GROUP BY d.merchant_id, d.variant_id
    HAVING sum(d.free) <> 0
    ORDER BY d.merchant_id, d.variant_id
    ON CONFLICT (merchant_id, variant_id) DO UPDATE SET available = a.available + EXCLUDED.available;"""


_NEW = "SELECT merchant_id, variant_id, location_id, inventory_type_id, on_hand - booked AS free FROM new_levels"
_OLD = "SELECT merchant_id, variant_id, location_id, inventory_type_id, booked - on_hand AS free FROM old_levels"

PG_FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION variant_available_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN{_pg_upsert(_NEW)}
  ELSIF TG_OP = 'UPDATE' THEN{_pg_upsert(_NEW + " UNION ALL " + _OLD)}
  ELSE{_pg_upsert(_OLD)}
  END IF;
  RETURN NULL;
END $$""",
    """CREATE OR REPLACE FUNCTION variant_available_new_variant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO variant_available (merchant_id, variant_id, available)
  SELECT merchant_id, id, 0 FROM new_variants ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$""",
]
PG_TRIGGERS = [
    "CREATE TRIGGER variant_available_level_in AFTER INSERT ON stock_levels "
    "REFERENCING NEW TABLE AS new_levels FOR EACH STATEMENT EXECUTE FUNCTION variant_available_follow()",
    "CREATE TRIGGER variant_available_level_change AFTER UPDATE ON stock_levels "
    "REFERENCING NEW TABLE AS new_levels OLD TABLE AS old_levels FOR EACH STATEMENT "
    "EXECUTE FUNCTION variant_available_follow()",
    "CREATE TRIGGER variant_available_level_out AFTER DELETE ON stock_levels "
    "REFERENCING OLD TABLE AS old_levels FOR EACH STATEMENT EXECUTE FUNCTION variant_available_follow()",
    "CREATE TRIGGER variant_available_new_variant AFTER INSERT ON variants "
    "REFERENCING NEW TABLE AS new_variants FOR EACH STATEMENT EXECUTE FUNCTION variant_available_new_variant()",
]

_LEVELS = """
SELECT s.merchant_id, s.variant_id, s.on_hand - s.booked FROM stock_levels s
JOIN locations l ON l.id = s.location_id AND l.feeds
JOIN inventory_types t ON t.id = s.inventory_type_id AND t.sellable"""
_LARGEST = 2**63 - 1


def _backfill_figures() -> None:
    """Every variant's row, summed in Python (SQLite's ``sum`` fails past 64 bits)."""
    conn = op.get_bind()
    sums: dict[tuple[int, int], int] = {}
    for m, v, free in conn.execute(sa.text(_LEVELS)):
        sums[(int(m), int(v))] = sums.get((int(m), int(v)), 0) + int(free)
    rows = []
    for m, v in conn.execute(sa.text("SELECT merchant_id, id FROM variants")):
        total = sums.get((int(m), int(v)), 0)
        kept = total if -_LARGEST - 1 <= total <= _LARGEST or conn.dialect.name == "postgresql" else None
        rows.append({"m": int(m), "v": int(v), "a": kept})
    if rows:
        conn.execute(
            sa.text("INSERT INTO variant_available (merchant_id, variant_id, available) VALUES (:m, :v, :a)"), rows
        )


def _backfill_feeds() -> None:
    """``locations.feeds`` from the rule: saleable, and so is the top-level location (any depth)."""
    conn = op.get_bind()
    rows = {int(r[0]): (None if r[1] is None else int(r[1]), bool(r[2])) for r in conn.execute(
        sa.text("SELECT id, parent_id, saleable FROM locations"))}  # fmt: skip
    for place, (_, saleable) in rows.items():
        top, seen = place, {place}
        while rows[top][0] is not None and rows[top][0] not in seen:
            top = int(rows[top][0])  # type: ignore[arg-type]
            seen.add(top)
        if saleable and rows[top][1]:
            conn.execute(sa.text("UPDATE locations SET feeds = :yes WHERE id = :id"), {"yes": True, "id": place})


def upgrade() -> None:
    op.add_column("locations", sa.Column("feeds", sa.Boolean(), nullable=False, server_default=sa.false()))
    _backfill_feeds()
    op.create_table(
        "variant_available",
        sa.Column("merchant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("variant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "available", sa.Numeric(40, 0).with_variant(sa.Integer(), "sqlite"), nullable=True, server_default="0"
        ),  # fmt: skip
    )
    op.create_index("ix_variant_available_merchant_available", "variant_available", ["merchant_id", "available"])
    _backfill_figures()
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table in (("level_in", "stock_levels"), ("level_change", "stock_levels"),
                               ("level_out", "stock_levels"), ("new_variant", "variants")):  # fmt: skip
            op.execute(f"DROP TRIGGER variant_available_{trigger} ON {table}")
        op.execute("DROP FUNCTION variant_available_follow()")
        op.execute("DROP FUNCTION variant_available_new_variant()")
    else:
        for trigger in ("new_variant", "level_in", "level_change", "level_out"):
            op.execute(f"DROP TRIGGER variant_available_{trigger}")
    op.drop_index("ix_variant_available_merchant_available", "variant_available")
    op.drop_table("variant_available")
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("feeds")
